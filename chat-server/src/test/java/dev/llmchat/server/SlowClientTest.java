package dev.llmchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that stop reading a streamed reply, over real sockets. The {@code flood} model sends 9 MB of events
 * as fast as it can, more than the sockets between the server and a client hold (a send buffer grows to 4 MB at
 * most here; the client's receive buffer is 4 KB), so most of the reply waits in the server for the client.
 */
class SlowClientTest {
    @TempDir
    Path dir;

    private static String configure(TestServer s, String name) {
        String token = s.register(name);
        TestServer.Response r = s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + s.upstream.baseUrl() + "\",\"llm_model\":\"flood\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return token;
    }

    private static com.fasterxml.jackson.databind.JsonNode reply(TestServer s, String token, String id) {
        return s.get("/conversations/" + id + "/history", token).json().path("messages").path(1);
    }

    @Test
    void a_client_that_stops_reading_holds_up_neither_the_reply_nor_its_storage_and_then_gets_all_of_it() throws Exception {
        try (TestServer s = new TestServer(dir)) {
            String token = configure(s, "slow_reader");
            String id = s.newConversation(token);
            try (Socket socket = s.streamUnread(token, id, "all of it")) {
                // reading nothing meanwhile, the reply is stored whole: the model's reader did not wait for this client
                TestServer.await(() -> reply(s, token, id).path("status").asText().equals("complete"), Duration.ofSeconds(60));
                assertThat(reply(s, token, id).path("content").asText()).isEqualTo(FakeOpenAi.Flood.TEXT);

                TestServer.Response streamed = TestServer.raw(socket.getInputStream().readAllBytes());

                assertThat(streamed.status()).isEqualTo(200);
                assertThat(streamed.streamedText()).as("every chunk, in order").isEqualTo(FakeOpenAi.Flood.TEXT);
                assertThat(streamed.text()).endsWith("data: {\"done\": true}\n\n");
            }
        }
    }

    @Test
    void a_client_that_never_reads_again_is_dropped_at_the_idle_timeout_and_its_stream_slot_is_given_back() throws Exception {
        try (TestServer s = new TestServer(dir, Map.of("HTTP_IDLE_TIMEOUT_SECONDS", "2", "MAX_STREAMS_PER_USER", "1"))) {
            String token = configure(s, "never_reader");
            String first = s.newConversation(token);
            try (Socket stalled = s.streamUnread(token, first, "all of it")) {
                TestServer.await(() -> reply(s, token, first).path("status").asText().equals("complete"), Duration.ofSeconds(60));

                // the only stream this user may have is freed once the server gives up on the client: a second one starts
                String second = s.newConversation(token);
                TestServer.await(() -> {
                    TestServer.Response r = s.post("/chat", token, "{\"session_id\":\"" + second + "\",\"message\":\"again\",\"stream\":true}");
                    if (r.status() == 429) return false;
                    assertThat(r.status()).as(r.toString()).isEqualTo(200);
                    assertThat(r.streamedText()).isEqualTo(FakeOpenAi.Flood.TEXT);
                    return true;
                }, Duration.ofSeconds(30));

                // what the stalled client can still read is cut short, likely inside an event: the server closed the connection
                TestServer.Response cut = TestServer.raw(stalled.getInputStream().readAllBytes());
                assertThat(cut.status()).isEqualTo(200);
                assertThat(cut.text()).doesNotContain("\"done\"");
                String whole = cut.text().substring(0, cut.text().lastIndexOf("\n\n") + 2);
                String received = new TestServer.Response(200, Map.of(), whole.getBytes(java.nio.charset.StandardCharsets.UTF_8)).streamedText();
                assertThat(FakeOpenAi.Flood.TEXT).startsWith(received).isNotEqualTo(received);
            }
        }
    }
}
