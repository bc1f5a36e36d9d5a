package dev.llmchat.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.FinishReason;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import dev.llmchat.core.Usage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiChatModelStreamTest {
    private final MockWebServer server = new MockWebServer();
    private final OpenAiChatModel model = OpenAiChatModel.create();
    private String baseUrl;

    @BeforeEach
    void start() throws Exception {
        server.start();
        baseUrl = server.url("/v1").toString();
    }

    @AfterEach
    void stop() {
        model.close();
        server.close();
    }

    @Test
    void streams_the_text_and_keeps_usage_and_finish_reason() {
        // given
        server.enqueue(Sse.stream(Sse.role(), Sse.text("Hello"), Sse.text(", "), Sse.text("world"), Sse.finish("stop"),
                Sse.usage(12, 3), Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ChatCompletion completion = listener.awaitCompletion();

        // then
        assertThat(listener.deltas).containsExactly("Hello", ", ", "world");
        assertThat(completion).isEqualTo(new ChatCompletion("Hello, world", FinishReason.STOP, new Usage(12, 3)));
        listener.assertContractKept();
    }

    @Test
    void logs_one_line_per_call_without_key_or_query() {
        // given
        List<String> lines = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger("dev.llmchat.llm.OpenAiChatModel");
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(handler);
        server.enqueue(Sse.stream(Sse.text("Hi"), Sse.finish("stop"), Sse.usage(12, 3), Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        try {
            model.stream(Sse.request(server.url("/v1?token=query-secret").toString(), "sk-key-secret"), listener);
            listener.awaitCompletion();
        } finally {
            log.removeHandler(handler);
        }

        // then
        assertThat(lines).singleElement().asString()
                .contains("/v1/chat/completions", "model=qwen2.5-7b", "stream=true", "status=200", "first_token_ms=", "total_ms=",
                        "tokens=12+3", "outcome=complete")
                .doesNotContain("secret");
    }

    @Test
    void skips_role_only_null_empty_reasoning_and_usage_only_chunks() {
        // given
        server.enqueue(Sse.stream(
                Sse.role(),
                Sse.event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}"),
                Sse.event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"}}]}"),
                Sse.event("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"let me think\"}}]}"),
                Sse.text("Hi"),
                Sse.event("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}"),
                Sse.usage(5, 1),
                Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ChatCompletion completion = listener.awaitCompletion();

        // then
        assertThat(listener.deltas).containsExactly("Hi");
        assertThat(completion).isEqualTo(new ChatCompletion("Hi", FinishReason.LENGTH, new Usage(5, 1)));
    }

    @Test
    void relays_the_first_choices_text_only_and_ignores_what_else_chunks_carry() {
        // given: a reasoning model with logprobs and tool calls, a second choice, and usage in a chunk whose choices are null
        server.enqueue(Sse.stream(
                Sse.role(),
                Sse.event("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"想一想…\"},"
                        + "\"logprobs\":{\"content\":[{\"token\":\"x\",\"logprob\":-0.5,\"bytes\":[120],\"top_logprobs\":[]}]},\"finish_reason\":null}]}"),
                Sse.event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"你好\",\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}},"
                        + "{\"index\":1,\"delta\":{\"content\":\"another choice\"}}]}"),
                Sse.event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\ud83d\\ude00\"},\"finish_reason\":\"stop\"}]}"),
                Sse.event("{\"choices\":null,\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"completion_tokens_details\":{\"reasoning_tokens\":1}}}"),
                Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ChatCompletion completion = listener.awaitCompletion();

        // then
        assertThat(listener.deltas).containsExactly("你好", "😀");
        assertThat(completion).isEqualTo(new ChatCompletion("你好😀", FinishReason.STOP, new Usage(7, 2)));
        listener.assertContractKept();
    }

    @Test
    void keeps_multi_byte_characters_whole_when_split_across_reads() {
        // given: every byte in its own HTTP chunk, written one at a time
        String sse = Sse.event("{\"choices\":[{\"delta\":{\"content\":\"你好\"}}]}")
                + Sse.event("{\"choices\":[{\"delta\":{\"content\":\"😀\"}}]}")
                + Sse.event("{\"choices\":[{\"delta\":{\"content\":\"世界\"},\"finish_reason\":\"stop\"}]}")
                + Sse.done();
        server.enqueue(new MockResponse.Builder()
                .addHeader("Content-Type", "text/event-stream")
                .chunkedBody(sse, 1)
                .throttleBody(1, 100, TimeUnit.MICROSECONDS)
                .build());
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ChatCompletion completion = listener.awaitCompletion();

        // then
        assertThat(listener.deltas).containsExactly("你好", "😀", "世界");
        assertThat(completion.text()).isEqualTo("你好😀世界");
    }

    @Test
    void sends_an_openai_streaming_request_with_the_bearer_key() throws Exception {
        // given
        server.enqueue(Sse.stream(Sse.text("ok"), Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl, "sk-secret-123"), listener);
        listener.awaitCompletion();
        RecordedRequest recorded = server.takeRequest();

        // then
        assertThat(recorded.getMethod()).isEqualTo("POST");
        assertThat(recorded.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("Bearer sk-secret-123");
        assertThat(recorded.getHeaders().get("Accept")).isEqualTo("text/event-stream");
        assertThat(recorded.getHeaders().get("User-Agent")).isEqualTo("llm-chat");
        JsonNode body = new ObjectMapper().readTree(recorded.getBody().utf8());
        assertThat(body.path("model").asText()).isEqualTo("qwen2.5-7b");
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.7);
        assertThat(body.path("max_tokens").asInt()).isEqualTo(256);
        assertThat(body.path("messages").toString())
                .isEqualTo("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Say hello\"}]");
    }

    @Test
    void sends_no_authorization_header_without_a_key() throws Exception {
        // given
        server.enqueue(Sse.stream(Sse.text("ok"), Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl, ""), listener);
        listener.awaitCompletion();

        // then
        assertThat(server.takeRequest().getHeaders().get("Authorization")).isNull();
    }

    @Test
    void accepts_the_full_chat_completions_url() throws Exception {
        // given
        server.enqueue(Sse.stream(Sse.text("ok"), Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(server.url("/v1/chat/completions?api-version=2").toString()), listener);
        listener.awaitCompletion();

        // then
        assertThat(server.takeRequest().getTarget()).isEqualTo("/v1/chat/completions?api-version=2");
    }

    @Test
    void fails_with_protocol_on_a_chunk_that_is_not_json() {
        // given
        server.enqueue(Sse.stream(Sse.text("Hel"), Sse.event("{not json"), Sse.text("lo"), Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ModelException error = listener.awaitError();

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.PROTOCOL);
        assertThat(error.getMessage()).contains("not valid JSON");
        assertThat(listener.partialText).isEqualTo("Hel");
        assertThat(listener.deltas).containsExactly("Hel");
    }

    @Test
    void fails_with_protocol_on_a_chunk_without_choices() {
        // given
        server.enqueue(Sse.stream(Sse.event("{\"object\":\"something.else\"}"), Sse.done()));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);

        // then
        assertThat(listener.awaitError().failure()).isEqualTo(ModelFailure.PROTOCOL);
    }

    @Test
    void surfaces_an_error_event_in_the_middle_of_the_stream() {
        // given
        server.enqueue(Sse.stream(Sse.text("Hel"),
                Sse.event("{\"error\":{\"message\":\"CUDA out of memory\",\"type\":\"InternalServerError\"}}")));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ModelException error = listener.awaitError();

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.UNAVAILABLE);
        assertThat(error.getMessage()).isEqualTo("The model server reported an error: CUDA out of memory. Try again later.");
        assertThat(listener.partialText).isEqualTo("Hel");
    }

    @Test
    void takes_the_failure_kind_from_the_code_of_an_error_event() {
        // given: vLLM reports a too-long prompt this way
        server.enqueue(Sse.stream(Sse.event("{\"error\":{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens\","
                + "\"type\":\"BadRequestError\",\"code\":400}}")));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);

        // then
        assertThat(listener.awaitError().failure()).isEqualTo(ModelFailure.REJECTED);
    }

    @Test
    void fails_as_incomplete_when_the_stream_ends_without_done_or_finish_reason() {
        // given
        server.enqueue(Sse.stream(Sse.role(), Sse.text("Hel"), Sse.text("lo")));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ModelException error = listener.awaitError();

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.INCOMPLETE);
        assertThat(error.getMessage()).startsWith("The model server closed the connection before finishing the reply");
        assertThat(listener.partialText).isEqualTo("Hello");
        listener.assertContractKept();
    }

    @Test
    void completes_when_the_stream_ends_after_a_finish_reason_without_done() {
        // given
        server.enqueue(Sse.stream(Sse.text("Hello"), Sse.finish("stop")));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);

        // then
        assertThat(listener.awaitCompletion()).isEqualTo(new ChatCompletion("Hello", FinishReason.STOP, Usage.UNKNOWN));
    }

    @Test
    void takes_a_json_reply_to_a_streaming_request_as_one_delta() {
        // given: a server that ignores "stream": true
        server.enqueue(Sse.json(200, Sse.completion("\"Hello there\"", "stop")));
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ChatCompletion completion = listener.awaitCompletion();

        // then
        assertThat(listener.deltas).containsExactly("Hello there");
        assertThat(completion).isEqualTo(new ChatCompletion("Hello there", FinishReason.STOP, new Usage(9, 4)));
    }

    @Test
    void fails_with_protocol_when_a_stream_is_answered_with_html() {
        // given
        server.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/html").body("<html><body>Welcome</body></html>").build());
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request(baseUrl), listener);
        ModelException error = listener.awaitError();

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.PROTOCOL);
        assertThat(error.getMessage()).contains("text/html").doesNotContain("Welcome");
    }

    @Test
    void reports_a_url_that_is_not_http_to_the_listener() {
        // given
        RecordingListener listener = new RecordingListener();

        // when
        model.stream(Sse.request("localhost:8000/v1"), listener);
        ModelException error = listener.awaitError();

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.REJECTED);
        assertThat(error.getMessage()).contains("not a valid http:// or https:// URL");
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void cancel_ends_the_stream_once_with_the_partial_text_and_closes_the_connection() throws Exception {
        // given: a server that would keep talking for five seconds
        ScriptedBody body = new ScriptedBody().send(Sse.role(), Sse.text("Hello")).repeat(100, Duration.ofMillis(50), Sse.text(" more"));
        server.enqueue(body.response());
        RecordingListener listener = new RecordingListener();
        var stream = model.stream(Sse.request(baseUrl), listener);
        listener.awaitFirstDelta();

        // when
        stream.cancel();
        Thread.ofVirtual().start(stream::cancel).join();
        stream.cancel();

        // then
        ModelException error = listener.awaitError();
        assertThat(error.failure()).isEqualTo(ModelFailure.CANCELLED);
        assertThat(listener.partialText).startsWith("Hello").isEqualTo(listener.text());
        assertThat(body.clientGone.await(2, TimeUnit.SECONDS)).as("the server saw the connection close").isTrue();
        int deltasAtCancel = listener.deltas.size();
        Thread.sleep(150);
        assertThat(listener.deltas).hasSize(deltasAtCancel);
        listener.assertContractKept();
    }

    @Test
    void cancel_before_any_event_reports_cancelled_with_no_text() {
        // given
        server.enqueue(new ScriptedBody().pause(Duration.ofMillis(500)).send(Sse.text("late"), Sse.done()).response());
        RecordingListener listener = new RecordingListener();
        var stream = model.stream(Sse.request(baseUrl), listener);

        // when
        stream.cancel();

        // then
        assertThat(listener.awaitError().failure()).isEqualTo(ModelFailure.CANCELLED);
        assertThat(listener.partialText).isEmpty();
        listener.assertContractKept();
    }

    @Test
    void cancel_after_completion_changes_nothing() {
        // given
        server.enqueue(Sse.stream(Sse.text("done"), Sse.done()));
        RecordingListener listener = new RecordingListener();
        var stream = model.stream(Sse.request(baseUrl), listener);
        listener.awaitCompletion();

        // when
        stream.cancel();

        // then
        listener.assertContractKept();
    }
}
