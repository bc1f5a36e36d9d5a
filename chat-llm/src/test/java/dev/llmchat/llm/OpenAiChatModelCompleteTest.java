package dev.llmchat.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.FinishReason;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import dev.llmchat.core.Usage;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpenAiChatModelCompleteTest {
    private final MockWebServer server = new MockWebServer();
    private final OpenAiChatModel model = OpenAiChatModel.builder().userAgent("test-agent/1").build();
    private String baseUrl;

    @BeforeEach
    void start() throws Exception {
        server.start();
        baseUrl = server.url("/v1/").toString();
    }

    @AfterEach
    void stop() {
        model.close();
        server.close();
    }

    @Test
    void requests_go_out_on_sockets_without_nagle_delay() throws Exception {
        // given: a caller's client whose event listener sees the connections we make
        java.util.List<Boolean> noDelay = new java.util.concurrent.CopyOnWriteArrayList<>();
        okhttp3.OkHttpClient shared = new okhttp3.OkHttpClient.Builder().eventListener(new okhttp3.EventListener() {
            @Override
            public void connectionAcquired(okhttp3.Call call, okhttp3.Connection connection) {
                try {
                    noDelay.add(connection.socket().getTcpNoDelay());
                } catch (java.net.SocketException e) {
                    throw new IllegalStateException(e);
                }
            }
        }).build();
        server.enqueue(Sse.json(200, Sse.completion("\"hi\"", "stop")));

        // when
        try (OpenAiChatModel withListener = OpenAiChatModel.builder().okHttpClient(shared).build()) {
            withListener.complete(Sse.request(baseUrl, "sk-abc"));
        }

        // then
        assertThat(noDelay).containsExactly(true);
    }

    @Test
    void returns_the_whole_reply_with_finish_reason_and_usage() throws Exception {
        // given
        server.enqueue(Sse.json(200, Sse.completion("\"Hello, 世界\"", "stop")));

        // when
        ChatCompletion completion = model.complete(Sse.request(baseUrl, "sk-abc"));

        // then
        assertThat(completion).isEqualTo(new ChatCompletion("Hello, 世界", FinishReason.STOP, new Usage(9, 4)));
        RecordedRequest recorded = server.takeRequest();
        assertThat(recorded.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
        assertThat(recorded.getHeaders().get("Authorization")).isEqualTo("Bearer sk-abc");
        assertThat(recorded.getHeaders().get("User-Agent")).isEqualTo("test-agent/1");
        assertThat(recorded.getBody().utf8()).contains("\"stream\":false", "\"max_tokens\":256");
    }

    @Test
    void takes_null_content_as_empty_text() {
        // given: a reasoning model that spent all its tokens thinking
        server.enqueue(Sse.json(200, Sse.completion("null", "length")));

        // when
        ChatCompletion completion = model.complete(Sse.request(baseUrl));

        // then
        assertThat(completion.text()).isEmpty();
        assertThat(completion.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void fails_with_protocol_on_a_reply_without_choices() {
        // given
        server.enqueue(Sse.json(200, "{\"id\":\"x\",\"object\":\"list\",\"data\":[]}"));

        // when
        ModelException error = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.PROTOCOL);
        assertThat(error.getMessage()).contains("no \"choices\"");
    }

    @Test
    void fails_with_protocol_on_an_html_page() {
        // given: e.g. the URL points at a web UI
        server.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/html").body("<!doctype html><html>app</html>").build());

        // when
        ModelException error = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.PROTOCOL);
    }

    @Test
    void surfaces_an_error_object_in_a_200_reply() {
        // given
        server.enqueue(Sse.json(200, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"rate_limit_exceeded\"}}"));

        // when
        ModelException error = catchThrowableOfType(ModelException.class, () -> model.complete(Sse.request(baseUrl)));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.RATE_LIMITED);
        assertThat(error.getMessage()).contains("Rate limit reached");
    }
}
