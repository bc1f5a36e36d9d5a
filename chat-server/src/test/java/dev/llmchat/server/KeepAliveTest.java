package dev.llmchat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code : ping} comments while the model is silent, over a real socket, with a one-second keep-alive. */
class KeepAliveTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        s = new TestServer(dir, Map.of("SSE_KEEPALIVE_SECONDS", "1"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    /** A streamed turn of a new user whose model is {@code model} ("hang": silent for 3 s before it answers). */
    private static HttpRequest turn(String name, String model) {
        String token = s.register(name);
        TestServer.Response r = s.post("/api/config", token,
                "{\"model_type\":\"custom\",\"llm_api_url\":\"" + s.upstream.baseUrl() + "\",\"llm_model\":\"" + model + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String id = s.newConversation(token);
        return HttpRequest.newBuilder(URI.create(s.url("/chat")))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + id + "\",\"message\":\"take your time\",\"stream\":true}")).build();
    }

    @Test
    void a_silent_model_gets_pings_then_the_reply() throws Exception {
        HttpResponse<String> response = s.http.send(turn("keepalive_waiter", "hang"), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        String body = response.body();
        assertThat(body).startsWith(": ping\n\n");
        int pings = body.split(": ping\n\n", -1).length - 1;
        assertThat(pings).as("pings in 3 s of silence at a 1 s interval").isBetween(1, 3);
        assertThat(new TestServer.Response(200, Map.of(), body.getBytes(StandardCharsets.UTF_8)).streamedText()).isEqualTo("[hang] Echo: take your time");
        assertThat(body).endsWith("data: {\"done\": true}\n\n");
    }

    @Test
    void a_client_that_left_while_the_model_was_silent_is_found_by_a_ping_and_the_call_is_cancelled() throws Exception {
        // "stall": two chunks, then 5 s of silence; the pings in it find the closed connection (the second write
        // after the close fails), and the upstream call is cancelled before the model speaks again
        HttpResponse<InputStream> response = s.http.send(turn("keepalive_leaver", "stall"), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            byte[] first = new byte[6];
            assertThat(in.readNBytes(first, 0, first.length)).isEqualTo(6);
            assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("data: ");
        }

        TestServer.await(() -> s.upstream.abandoned.contains("stall"), Duration.ofSeconds(10));
    }
}
