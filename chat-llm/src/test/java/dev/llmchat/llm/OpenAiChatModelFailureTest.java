package dev.llmchat.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every failure, for whole replies and for streams alike. */
class OpenAiChatModelFailureTest {
    private static final String OPENAI_ERROR = "{\"error\":{\"message\":\"Something specific went wrong\",\"type\":\"some_error\",\"code\":null}}";

    private final MockWebServer server = new MockWebServer();
    private OpenAiChatModel model = OpenAiChatModel.create();
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

    static Stream<Arguments> statuses() {
        return Stream.of(
                Arguments.of(400, ModelFailure.REJECTED),
                Arguments.of(401, ModelFailure.AUTHENTICATION),
                Arguments.of(403, ModelFailure.AUTHENTICATION),
                Arguments.of(404, ModelFailure.MODEL_NOT_FOUND),
                Arguments.of(408, ModelFailure.TIMEOUT),
                Arguments.of(413, ModelFailure.REJECTED),
                Arguments.of(422, ModelFailure.REJECTED),
                Arguments.of(429, ModelFailure.RATE_LIMITED),
                Arguments.of(500, ModelFailure.UNAVAILABLE),
                Arguments.of(502, ModelFailure.UNAVAILABLE),
                Arguments.of(503, ModelFailure.UNAVAILABLE),
                Arguments.of(504, ModelFailure.TIMEOUT),
                Arguments.of(418, ModelFailure.PROTOCOL));
    }

    @ParameterizedTest(name = "HTTP {0} -> {1}")
    @MethodSource("statuses")
    void maps_each_status_to_its_failure_with_the_servers_message(int status, ModelFailure expected) {
        // given
        Sse.always(server, Sse.json(status, OPENAI_ERROR));

        // when
        ModelException whole = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));
        ModelException streamed = streamError(Sse.request(baseUrl));

        // then
        for (ModelException error : new ModelException[] {whole, streamed}) {
            assertThat(error.failure()).isEqualTo(expected);
            assertThat(error.upstreamStatus()).isEqualTo(status);
            assertThat(error.getMessage()).contains("(HTTP " + status + "): Something specific went wrong.");
        }
    }

    @Test
    void tells_the_user_to_check_the_key_on_401() {
        // given
        server.enqueue(Sse.json(401, "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));

        // when
        ModelException error = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl, "sk-wrong")));

        // then
        assertThat(error.getMessage()).isEqualTo(
                "The model server rejected the API key (HTTP 401): Incorrect API key provided. Check the API key in your model settings.");
        assertThat(error.getMessage()).doesNotContain("sk-wrong");
    }

    @Test
    void names_the_model_and_path_on_404() {
        // given
        server.enqueue(Sse.json(404, "{\"detail\":\"Not Found\"}"));

        // when
        ModelException error = streamError(Sse.request(baseUrl));

        // then
        assertThat(error.getMessage()).contains("\"qwen2.5-7b\"", "/v1/chat/completions", "Not Found");
    }

    @Test
    void says_the_prompt_may_be_too_long_on_400() {
        // given
        server.enqueue(Sse.json(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 tokens.\",\"code\":400}"));

        // when
        ModelException error = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));

        // then
        assertThat(error.getMessage()).contains("maximum context length is 4096 tokens", "prompt may be too long");
    }

    @Test
    void reads_retry_after_on_429() {
        // given
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "7").body("slow down").build());

        // when
        ModelException error = streamError(Sse.request(baseUrl));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.RATE_LIMITED);
        assertThat(error.retryAfter()).contains(Duration.ofSeconds(7));
        assertThat(error.getMessage()).contains("slow down", "Try again in 7 seconds.");
    }

    @Test
    void shows_an_html_error_page_by_its_title_only() {
        // given
        server.enqueue(new MockResponse.Builder().code(502).addHeader("Content-Type", "text/html")
                .body("<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head><body><h1>502 Bad Gateway</h1>"
                        + "<hr><center>nginx</center></body></html>").build());

        // when
        ModelException error = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));

        // then
        assertThat(error.getMessage()).isEqualTo("The model server failed (HTTP 502): 502 Bad Gateway. Try again later.");
    }

    @Test
    void does_not_follow_a_redirect() {
        // given
        Sse.always(server, new MockResponse.Builder().code(301).addHeader("Location", "https://models.example.com/v1/chat/completions").build());

        // when
        ModelException whole = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));
        ModelException streamed = streamError(Sse.request(baseUrl));

        // then
        assertThat(server.getRequestCount()).isEqualTo(2);
        for (ModelException error : new ModelException[] {whole, streamed}) {
            assertThat(error.failure()).isEqualTo(ModelFailure.REJECTED);
            assertThat(error.getMessage()).contains("https://models.example.com/v1/chat/completions", "configure the final URL");
        }
    }

    @Test
    void reports_a_refused_connection_as_unreachable() throws Exception {
        // given
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ChatRequest request = Sse.request("http://127.0.0.1:" + port + "/v1");

        // when
        ModelException whole = catchThrowableOfType(ModelException.class, () -> model.complete(request));
        ModelException streamed = streamError(request);

        // then
        for (ModelException error : new ModelException[] {whole, streamed}) {
            assertThat(error.failure()).isEqualTo(ModelFailure.UNREACHABLE);
            assertThat(error.upstreamStatus()).isZero();
            assertThat(error.getMessage()).contains("127.0.0.1:" + port, "could not be reached");
        }
    }

    @Test
    void reports_an_unknown_host_as_unreachable() {
        // given
        ChatRequest request = Sse.request("http://nonexistent.invalid/v1");

        // when
        ModelException whole = catchThrowableOfType(ModelException.class, () -> model.complete(request));
        ModelException streamed = streamError(request);

        // then
        for (ModelException error : new ModelException[] {whole, streamed}) {
            assertThat(error.failure()).isEqualTo(ModelFailure.UNREACHABLE);
            assertThat(error.getMessage()).contains("\"nonexistent.invalid\" was not found");
        }
    }

    @Test
    void times_out_a_stream_whose_first_event_does_not_come() {
        // given
        model = shortTimeouts();
        server.enqueue(Sse.stream(Sse.text("late"), Sse.done()).newBuilder().headersDelay(3, TimeUnit.SECONDS).build());
        long start = System.nanoTime();

        // when
        RecordingListener listener = new RecordingListener();
        model.stream(Sse.request(baseUrl), listener);
        ModelException error = listener.awaitError();

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.TIMEOUT);
        assertThat(error.getMessage()).contains("did not start replying within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        listener.assertContractKept();
    }

    @Test
    void times_out_a_stream_that_goes_silent() {
        // given
        model = shortTimeouts();
        server.enqueue(new ScriptedBody().send(Sse.text("Hi")).pause(Duration.ofSeconds(1)).send(Sse.done()).response());

        // when
        RecordingListener listener = new RecordingListener();
        model.stream(Sse.request(baseUrl), listener);
        ModelException error = listener.awaitError();

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.TIMEOUT);
        assertThat(error.getMessage()).contains("stopped sending the reply for more than 300 ms");
        assertThat(listener.partialText).isEqualTo("Hi");
    }

    @Test
    void times_out_a_stream_that_takes_too_long_in_total() {
        // given: a server that keeps sending, never going quiet
        model = OpenAiChatModel.builder().firstTokenTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofMillis(300))
                .totalTimeout(Duration.ofMillis(700)).build();
        server.enqueue(new ScriptedBody().send(Sse.text("a")).repeat(60, Duration.ofMillis(50), Sse.text("a")).response());

        // when
        RecordingListener listener = new RecordingListener();
        model.stream(Sse.request(baseUrl), listener);
        ModelException error = listener.awaitError();

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.TIMEOUT);
        assertThat(error.getMessage()).contains("did not finish the reply within 700 ms");
        assertThat(listener.partialText).startsWith("aa");
    }

    @Test
    void times_out_a_whole_reply_that_does_not_start() {
        // given
        model = shortTimeouts();
        server.enqueue(Sse.json(200, Sse.completion("\"late\"", "stop")).newBuilder().headersDelay(3, TimeUnit.SECONDS).build());

        // when
        ModelException error = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.TIMEOUT);
        assertThat(error.getMessage()).contains("no reply within 300 ms");
    }

    @Test
    void times_out_a_whole_reply_that_takes_too_long_in_total() {
        // given: each read is quick enough, the whole is not
        model = OpenAiChatModel.builder().firstTokenTimeout(Duration.ofSeconds(5)).totalTimeout(Duration.ofMillis(500)).build();
        server.enqueue(Sse.json(200, Sse.completion("\"" + "slow ".repeat(100) + "\"", "stop")).newBuilder()
                .throttleBody(20, 50, TimeUnit.MILLISECONDS).build());

        // when
        ModelException error = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.TIMEOUT);
        assertThat(error.getMessage()).contains("did not finish the reply within 500 ms");
    }

    @Test
    void rejects_calls_after_close() {
        // given
        model.close();

        // when
        Throwable thrown = catchThrowableOfType(IllegalStateException.class, () -> model.complete(Sse.request(baseUrl)));

        // then
        assertThat(thrown).hasMessageContaining("closed");
        model = OpenAiChatModel.create();
    }

    private OpenAiChatModel shortTimeouts() {
        model.close();
        return OpenAiChatModel.builder().firstTokenTimeout(Duration.ofMillis(300)).idleTimeout(Duration.ofMillis(300)).build();
    }

    private ModelException streamError(ChatRequest request) {
        RecordingListener listener = new RecordingListener();
        model.stream(request, listener);
        ModelException error = listener.awaitError();
        listener.assertContractKept();
        assertThat(listener.partialText).isEmpty();
        return error;
    }

}
