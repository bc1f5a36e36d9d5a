package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every upstream fault of the README's table, reproduced by a model server that misbehaves on purpose,
 * with the outcome checked at the client, in the database and at the upstream.
 */
class FaultsTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        s = new TestServer(dir, Map.of("LLM_FIRST_TOKEN_TIMEOUT_SECONDS", "1", "LLM_IDLE_TIMEOUT_SECONDS", "1", "LLM_CONNECT_TIMEOUT_SECONDS", "2",
                // keep-alive pings would start the stream; these tests want failures before the first chunk as JSON
                "SSE_KEEPALIVE_SECONDS", "30"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private record Setup(String token, String id) {
    }

    private static Setup user(String name, String url, String model) {
        String token = s.register(name);
        TestServer.Response r = s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + url + "\",\"llm_model\":\"" + model + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return new Setup(token, s.newConversation(token));
    }

    private static TestServer.Response chat(Setup u, String message, boolean stream) {
        return s.post("/chat", u.token, "{\"session_id\":\"" + u.id + "\",\"message\":\"" + message + "\",\"stream\":" + stream + "}");
    }

    private static JsonNode history(Setup u) {
        return s.get("/conversations/" + u.id + "/history", u.token).json().path("messages");
    }

    private static long calls(String model) {
        return s.upstream.chatRequests().stream().filter(r -> r.path("model").asText().equals(model)).count();
    }

    private static void assertJsonError(TestServer.Response r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().path("code").asText()).isEqualTo(code);
        assertThat(r.json().path("detail").asText()).isNotBlank();
    }

    @Test
    void connection_refused_is_502_unreachable_and_the_question_is_kept() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Setup u = user("fault_refused", "http://127.0.0.1:" + closed + "/v1", "m");

        TestServer.Response r = chat(u, "anyone?", true);

        assertJsonError(r, 502, "upstream_unreachable");
        assertThat(history(u).findValuesAsText("role")).containsExactly("user");
    }

    @Test
    void an_unknown_host_is_502_unreachable() {
        Setup u = user("fault_dns", "http://no-such-host.invalid/v1", "m");

        assertJsonError(chat(u, "hello", false), 502, "upstream_unreachable");
        assertThat(history(u)).hasSize(1);
    }

    @Test
    void a_tls_failure_is_502_unreachable() throws Exception {
        try (ServerSocket plain = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!plain.isClosed()) {
                    try (java.net.Socket c = plain.accept()) {
                        c.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            Setup u = user("fault_tls", "https://127.0.0.1:" + plain.getLocalPort() + "/v1", "m");

            TestServer.Response r = chat(u, "hello", true);

            assertJsonError(r, 502, "upstream_unreachable");
            assertThat(r.json().path("detail").asText()).containsIgnoringCase("tls");
        }
    }

    @Test
    void no_first_token_in_time_is_504_after_bounded_retries() {
        Setup u = user("fault_hang", s.upstream.baseUrl(), "hang");

        TestServer.Response r = chat(u, "hello", true);

        assertJsonError(r, 504, "upstream_timeout");
        assertThat(calls("hang")).isBetween(1L, 3L);
        assertThat(history(u).findValuesAsText("role")).containsExactly("user");
    }

    @Test
    void a_stall_between_chunks_ends_the_stream_with_an_error_event_and_keeps_the_partial_reply() {
        Setup u = user("fault_stall", s.upstream.baseUrl(), "stall");

        TestServer.Response r = chat(u, "hello", true);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("data: {\"error\": ").doesNotContain("\"done\"");
        JsonNode reply = history(u).get(1);
        assertThat(reply.path("status").asText()).isEqualTo("error");
        assertThat(reply.path("content").asText()).isEqualTo("[stall");
        assertThat(calls("stall")).isEqualTo(1);
    }

    @Test
    void a_refused_key_is_reported_and_not_retried() {
        Setup u = user("fault_401", s.upstream.baseUrl(), "status-401");

        TestServer.Response r = chat(u, "hello", false);

        assertJsonError(r, 502, "upstream_authentication");
        assertThat(r.json().path("detail").asText()).containsIgnoringCase("key");
        assertThat(calls("status-401")).isEqualTo(1);
    }

    @Test
    void an_unknown_model_is_reported_and_not_retried() {
        Setup u = user("fault_404", s.upstream.baseUrl(), "status-404");

        assertJsonError(chat(u, "hello", true), 502, "upstream_model_not_found");
        assertThat(calls("status-404")).isEqualTo(1);
    }

    @Test
    void a_5xx_before_the_first_chunk_is_retried_and_the_reply_arrives() {
        Setup u = user("fault_flaky", s.upstream.baseUrl(), "flaky-2");

        TestServer.Response streamed = chat(u, "hello", true);

        assertThat(streamed.status()).isEqualTo(200);
        assertThat(streamed.streamedText()).isEqualTo("[flaky-2] Echo: hello");
        assertThat(calls("flaky-2")).isEqualTo(3);
        assertThat(history(u).findValuesAsText("status")).containsExactly("complete", "complete");
    }

    @Test
    void a_persistent_429_is_retried_within_bounds_honouring_retry_after_then_reported() {
        Setup u = user("fault_429", s.upstream.baseUrl(), "ratelimited");

        TestServer.Response r = chat(u, "hello", false);

        assertJsonError(r, 502, "upstream_rate_limited");
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(calls("ratelimited")).isEqualTo(3);
    }

    @Test
    void a_malformed_chunk_ends_the_stream_with_an_error_and_the_partial_reply_is_kept() {
        Setup u = user("fault_malformed", s.upstream.baseUrl(), "malformed");

        TestServer.Response r = chat(u, "hello", true);

        assertThat(r.text()).startsWith("data: {\"chunk\": \"[ma\"}\n\ndata: {\"error\": ");
        JsonNode reply = history(u).get(1);
        assertThat(reply.path("status").asText()).isEqualTo("error");
        assertThat(reply.path("content").asText()).isEqualTo("[ma");
    }

    @Test
    void a_stream_closed_without_done_is_an_error_event_with_the_partial_reply_kept() {
        Setup u = user("fault_eof", s.upstream.baseUrl(), "break-after-2");

        TestServer.Response r = chat(u, "hello", true);

        assertThat(r.text()).contains("data: {\"error\": ").doesNotContain("\"done\"");
        assertThat(history(u).get(1).path("status").asText()).isEqualTo("error");
        assertThat(history(u).get(1).path("content").asText()).isEqualTo("[break-after-2] Echo: hello".substring(0, 6));
    }

    @Test
    void a_reply_is_stored_while_it_streams_and_a_reconnecting_client_follows_it_live() throws Exception {
        Setup u = user("fault_follow", s.upstream.baseUrl(), "slow");
        String message = "a fairly long question so that the echo takes a while";
        HttpResponse<InputStream> first = s.http.send(HttpRequest.newBuilder(URI.create(s.url("/chat")))
                .header("Authorization", "Bearer " + u.token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + u.id + "\",\"message\":\"" + message + "\",\"stream\":true}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = first.body()) {
            TestServer.await(() -> history(u).path(1).path("content").asText().length() > 3, Duration.ofSeconds(10));
            JsonNode row = history(u).get(1);
            assertThat(row.path("status").asText()).isEqualTo("streaming");
            assertThat(("[slow] Echo: " + message)).startsWith(row.path("content").asText());

            TestServer.Response followed = s.get("/chat/" + u.id + "/stream?after=1", u.token);

            String full = "[slow] Echo: " + message;
            assertThat(followed.status()).isEqualTo(200);
            assertThat(followed.text()).endsWith("data: {\"done\": true}\n\n");
            assertThat(full.substring(0, 6) + followed.streamedText()).isEqualTo(full);
            in.readAllBytes();
        }
        assertThat(history(u).get(1).path("status").asText()).isEqualTo("complete");
        assertThat(s.get("/chat/" + u.id + "/stream", u.token).json().path("code").asText()).isEqualTo("no_live_reply");
    }

    @Test
    void stopping_a_reply_cancels_the_upstream_and_keeps_the_text_as_incomplete() throws Exception {
        Setup u = user("fault_stop", s.upstream.baseUrl(), "slow");
        HttpResponse<InputStream> running = s.http.send(HttpRequest.newBuilder(URI.create(s.url("/chat")))
                .header("Authorization", "Bearer " + u.token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + u.id + "\",\"message\":\"" + "long ".repeat(30) + "\",\"stream\":true}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        String events;
        try (InputStream in = running.body()) {
            assertThat(in.read()).isNotNegative();
            assertThat(s.post("/chat/" + u.id + "/stop", u.token, null).status()).isEqualTo(200);
            events = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(events).contains("data: {\"error\": ");
        TestServer.await(() -> s.upstream.abandoned.contains("slow"), Duration.ofSeconds(5));
        JsonNode reply = history(u).get(1);
        assertThat(reply.path("status").asText()).isEqualTo("incomplete");
        assertThat(reply.path("content").asText()).isNotEmpty();
        assertThat(s.post("/chat/" + u.id + "/stop", u.token, null).json().path("code").asText()).isEqualTo("no_live_reply");
    }

    @Test
    void a_retry_with_the_same_idempotency_key_returns_the_first_reply_and_stores_one_turn() throws Exception {
        Setup u = user("fault_idem", s.upstream.baseUrl(), "m-idem");
        HttpRequest.Builder send = HttpRequest.newBuilder(URI.create(s.url("/chat")))
                .header("Authorization", "Bearer " + u.token).header("Content-Type", "application/json").header("Idempotency-Key", "k-123");

        TestServer.Response first = s.send(send.copy().POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + u.id + "\",\"message\":\"once\"}")).build());
        TestServer.Response again = s.send(send.copy().POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + u.id + "\",\"message\":\"once\"}")).build());
        TestServer.Response streamedAgain = s.send(send.copy().POST(HttpRequest.BodyPublishers.ofString(
                "{\"session_id\":\"" + u.id + "\",\"message\":\"once\",\"stream\":true}")).build());

        assertThat(again.json().path("assistant_reply").asText()).isEqualTo(first.json().path("assistant_reply").asText()).isEqualTo("[m-idem] Echo: once");
        assertThat(streamedAgain.streamedText()).isEqualTo("[m-idem] Echo: once");
        assertThat(history(u)).hasSize(2);
        assertThat(calls("m-idem")).isEqualTo(1);
    }

    @Test
    void a_retry_of_a_live_stream_with_its_key_joins_that_stream() throws Exception {
        Setup u = user("fault_idem_live", s.upstream.baseUrl(), "slow");
        HttpRequest.Builder send = HttpRequest.newBuilder(URI.create(s.url("/chat")))
                .header("Authorization", "Bearer " + u.token).header("Content-Type", "application/json").header("Idempotency-Key", "live-1");
        String body = "{\"session_id\":\"" + u.id + "\",\"message\":\"join me\",\"stream\":true}";
        HttpResponse<InputStream> first = s.http.send(send.copy().POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = first.body()) {
            assertThat(in.read()).isNotNegative();

            TestServer.Response retried = s.send(send.copy().POST(HttpRequest.BodyPublishers.ofString(body)).build());

            assertThat(retried.streamedText()).isEqualTo("[slow] Echo: join me");
            in.readAllBytes();
        }
        assertThat(history(u)).hasSize(2);
        assertThat(calls("slow")).isGreaterThanOrEqualTo(1);
        assertThat(s.upstream.chatRequests().stream().filter(r -> r.path("messages").toString().contains("join me")).count()).isEqualTo(1);
    }
}
