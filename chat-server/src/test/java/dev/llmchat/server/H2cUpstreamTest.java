package dev.llmchat.server;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** LLM_H2C_HOSTS: a preset's plain-http model server that speaks only HTTP/2 serves streamed and whole turns. */
class H2cUpstreamTest {
    @Test
    void a_preset_on_an_h2c_model_server_streams_and_titles(@TempDir Path dir) throws Exception {
        try (MockWebServer model = new MockWebServer()) {
            model.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)); // an HTTP/1.1 call would fail
            model.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    if (request.getBody().utf8().contains("\"stream\":true")) {
                        return new MockResponse.Builder().addHeader("Content-Type", "text/event-stream")
                                .body(event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"你好\"}}]}")
                                        + event("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\", h2\"},\"finish_reason\":\"stop\"}]}")
                                        + "data: [DONE]\n\n").build();
                    }
                    return new MockResponse.Builder().addHeader("Content-Type", "application/json")
                            .body("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"A title\"},\"finish_reason\":\"stop\"}]}").build();
                }
            });
            model.start();
            try (TestServer s = new TestServer(dir, Map.of("LLM_API_URL", model.url("/v1").toString(),
                    "LLM_H2C_HOSTS", model.getHostName() + ":" + model.getPort()))) {
                String token = s.register("h2c_user");
                String id = s.newConversation(token);

                TestServer.Response r = s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"hi\",\"stream\":true}");

                assertThat(r.status()).isEqualTo(200);
                assertThat(r.streamedText()).isEqualTo("你好, h2");
                assertThat(r.text()).endsWith("data: {\"done\": true}\n\n");
                assertThat(s.get("/conversations/" + id + "/history", token).json().path("messages").get(1).path("content").asText()).isEqualTo("你好, h2");
                // the title is a whole (non-streamed) reply from the same server
                TestServer.await(() -> s.get("/conversations", token).json().path("conversations").get(0).path("title").asText().equals("A title"),
                        Duration.ofSeconds(10));
                assertThat(model.takeRequest().getVersion()).isEqualTo("HTTP/2");
                assertThat(model.takeRequest().getVersion()).isEqualTo("HTTP/2");
            }
        }
    }

    private static String event(String json) {
        return "data: " + json + "\n\n";
    }
}
