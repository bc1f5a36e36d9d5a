package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The attack suite: what products of this kind have shipped, tried against ours. */
class SecurityTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        s = new TestServer(dir.resolve("main"), Map.of("MAX_BODY_BYTES", "8192"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void every_route_taking_a_conversation_id_answers_404_to_another_user_and_changes_nothing() {
        String alice = s.register("sec_alice");
        String mallory = s.register("sec_mallory");
        String id = s.newConversation(alice);
        s.post("/chat", alice, "{\"session_id\":\"" + id + "\",\"message\":\"secret plans\"}");
        String before = s.get("/conversations/" + id + "/history", alice).text();

        JsonNode doc = s.get("/openapi.json", null).json();
        List<String> tried = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            for (Iterator<String> methods = p.getValue().fieldNames(); methods.hasNext(); ) {
                String method = methods.next().toUpperCase(Locale.ROOT);
                boolean pathId = p.getKey().contains("{session_id}");
                boolean bodyId = p.getValue().path(method.toLowerCase(Locale.ROOT)).path("requestBody").toString().contains("ChatRequest");
                if (!pathId && !bodyId) continue;
                String path = p.getKey().replace("{session_id}", id);
                TestServer.Response r = s.send(method, path, mallory, method.equals("POST") ? "{\"session_id\":\"" + id + "\",\"message\":\"mine now\"}" : null);
                assertThat(r.status()).as(method + " " + path).isEqualTo(404);
                assertThat(r.text()).doesNotContain("secret plans");
                tried.add(method + " " + p.getKey());
            }
        }

        assertThat(tried).contains("GET /conversations/{session_id}/history", "DELETE /conversations/{session_id}", "POST /chat");
        assertThat(s.get("/conversations/" + id + "/history", alice).text()).isEqualTo(before);
        assertThat(s.get("/conversations", mallory).json().path("conversations")).isEmpty();
        assertThat(s.get("/conversations/search?q=secret", mallory).json().path("count").asInt()).isZero();
    }

    @Test
    void custom_model_urls_on_internal_networks_are_refused_in_every_spelling(@TempDir Path own) {
        try (TestServer strict = new TestServer(own, Map.of("OUTBOUND_ALLOW_NETWORKS", ""))) {
            String token = strict.register("ssrf_user");
            for (String url : List.of("http://127.1/v1", "http://2130706433/v1", "http://0x7f.1/v1", "http://[::1]/v1",
                    "http://[::ffff:7f00:1]/v1", "http://0.0.0.0/v1", "http://169.254.169.254/latest", "http://100.64.0.1/v1",
                    "http://[fd00::1]/v1", "http://localhost:8000/v1", "http://10.0.0.7/v1", "http://192.168.1.1/v1")) {
                TestServer.Response r = strict.post("/api/config", token,
                        "{\"model_type\":\"custom\",\"llm_api_url\":\"" + url + "\",\"llm_model\":\"m\"}");
                assertThat(r.status()).as(url).isEqualTo(400);
                assertThat(r.json().path("code").asText()).as(url).isEqualTo("forbidden_destination");
            }
            assertThat(strict.get("/api/config", token).json().path("current_model_type").asText()).isEqualTo("codegeex");
        }
    }

    @Test
    void a_custom_endpoint_never_receives_the_operators_key() {
        String token = s.register("sec_keyless");
        s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + s.upstream.baseUrl() + "\",\"llm_model\":\"m-keyless\"}");
        String id = s.newConversation(token);

        s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"hi\",\"stream\":true}");
        TestServer.await(() -> s.upstream.requests.stream().filter(r -> r.path("model").asText().equals("m-keyless")).count() == 2,
                java.time.Duration.ofSeconds(10));

        assertThat(s.upstream.requests.stream().filter(r -> r.path("model").asText().equals("m-keyless")))
                .allSatisfy(r -> assertThat(r.path("__authorization").asText()).isEmpty());
        String preset = s.register("sec_preset");
        s.post("/chat", preset, "{\"session_id\":\"" + s.newConversation(preset) + "\",\"message\":\"hi\"}");
        assertThat(s.upstream.chatRequests().getLast().path("__authorization").asText()).isEqualTo("Bearer sk-operator-secret-key-0001");
    }

    @Test
    void custom_api_keys_are_encrypted_in_the_database() throws Exception {
        String token = s.register("sec_atrest");
        s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"https://api.example.com/v1\",\"llm_model\":\"m\",\"llm_api_key\":\"sk-at-rest-plaintext-77\"}");

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("main/chat.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT custom_api_key FROM user_configs WHERE custom_api_key <> ''")) {
            List<String> stored = new ArrayList<>();
            while (rs.next()) stored.add(rs.getString(1));
            assertThat(stored).isNotEmpty().allSatisfy(k -> assertThat(k).startsWith("aesgcm:").doesNotContain("plaintext"));
        }
        assertThat(s.get("/api/config", token).json().path("llm_api_key").asText()).isEqualTo("sk-…t-77");
    }

    @Test
    void a_chunked_body_without_length_over_the_limit_is_413_and_nothing_is_stored() throws Exception {
        String token = s.register("sec_chunked");
        String id = s.newConversation(token);
        byte[] big = ("{\"session_id\":\"" + id + "\",\"message\":\"" + "x".repeat(20_000) + "\"}").getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> r = s.http.send(HttpRequest.newBuilder(URI.create(s.url("/chat")))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("body_too_large");
        assertThat(s.get("/conversations/" + id + "/history", token).json().path("messages")).isEmpty();
    }

    @Test
    void control_characters_and_broken_text_are_refused() {
        String token = s.register("sec_ctrl");
        String id = s.newConversation(token);

        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"a\\u0000b\"}").json().path("code").asText()).isEqualTo("invalid_characters");
        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"a\\ud800b\"}").json().path("code").asText()).isEqualTo("invalid_characters");
        assertThat(s.post("/conversations", token, "{\"title\":\"t\\u0007\"}").status()).isEqualTo(400);
        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"tab\\tand\\nnewline ok\"}").status()).isEqualTo(200);
        assertThat(s.post("/chat", token, "{\"session_id\":\"../../etc/passwd\",\"message\":\"x\"}").status()).isEqualTo(404);
        assertThat(s.post("/chat", token, "{\"session_id\":\"1; DROP TABLE messages\",\"message\":\"x\"}").status()).isEqualTo(404);
        assertThat(s.get("/conversations/" + id + "/history", token).json().path("messages")).hasSize(2);
    }

    @Test
    void logins_registrations_and_chats_are_rate_limited_with_retry_after(@TempDir Path own) {
        try (TestServer limited = new TestServer(own, Map.of("RATE_LIMIT_LOGIN_PER_MINUTE", "3", "RATE_LIMIT_REGISTER_PER_HOUR", "2",
                "RATE_LIMIT_CHAT_PER_MINUTE", "2"))) {
            String token = limited.register("rl_one");
            limited.register("rl_two");
            TestServer.Response third = limited.post("/api/auth/register", null, "{\"username\":\"rl_three\",\"password\":\"long enough pass\"}");
            assertThat(third.status()).isEqualTo(429);
            assertThat(Integer.parseInt(third.header("Retry-After"))).isPositive();

            List<Integer> logins = new ArrayList<>();
            for (int i = 0; i < 4; i++) logins.add(limited.post("/api/auth/login", null, "{\"username\":\"rl_one\",\"password\":\"wrong password\"}").status());
            assertThat(logins).containsExactly(401, 401, 401, 429);

            String id = limited.newConversation(token);
            List<Integer> chats = new ArrayList<>();
            for (int i = 0; i < 3; i++) chats.add(limited.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"m" + i + "\"}").status());
            assertThat(chats).containsExactly(200, 200, 429);
            assertThat(limited.get("/conversations/" + id + "/history", token).json().path("messages")).hasSize(4);
        }
    }

    @Test
    void a_user_may_hold_only_a_few_streams_at_once(@TempDir Path own) throws Exception {
        try (TestServer capped = new TestServer(own, Map.of("MAX_STREAMS_PER_USER", "1"))) {
            String token = capped.register("cap_user");
            capped.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + capped.upstream.baseUrl() + "\",\"llm_model\":\"slow\"}");
            String first = capped.newConversation(token);
            String second = capped.newConversation(token);
            HttpResponse<InputStream> open = capped.http.send(HttpRequest.newBuilder(URI.create(capped.url("/chat")))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + first + "\",\"message\":\"long one\",\"stream\":true}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = open.body()) {
                assertThat(in.read()).isNotNegative();

                TestServer.Response refused = capped.post("/chat", token, "{\"session_id\":\"" + second + "\",\"message\":\"x\",\"stream\":true}");

                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.json().path("code").asText()).isEqualTo("too_many_streams");
                in.readAllBytes();
            }
            TestServer.await(() -> capped.post("/chat", token,
                    "{\"session_id\":\"" + second + "\",\"message\":\"now\",\"stream\":true}").status() == 200, java.time.Duration.ofSeconds(10));
        }
    }

    @Test
    void registration_can_be_closed_or_limited_to_the_first_user(@TempDir Path own) {
        try (TestServer firstOnly = new TestServer(own.resolve("first"), Map.of("REGISTRATION", "first_user"));
             TestServer closed = new TestServer(own.resolve("closed"), Map.of("REGISTRATION", "closed"))) {
            String admin = firstOnly.register("first_admin");

            TestServer.Response second = firstOnly.post("/api/auth/register", null, "{\"username\":\"second\",\"password\":\"long enough pass\"}");
            TestServer.Response any = closed.post("/api/auth/register", null, "{\"username\":\"anyone\",\"password\":\"long enough pass\"}");

            assertThat(firstOnly.get("/api/auth/me", admin).json().path("is_admin").asBoolean()).isTrue();
            assertThat(second.status()).isEqualTo(403);
            assertThat(second.json().path("code").asText()).isEqualTo("registration_closed");
            assertThat(any.status()).isEqualTo(403);
        }
    }

    @Test
    void an_administrator_lists_disables_and_enables_accounts_and_a_disabled_users_token_stops_at_once(@TempDir Path own) {
        try (TestServer fresh = new TestServer(own)) {
            String admin = fresh.register("adm_first");
            String user = fresh.register("adm_user");
            long userId = fresh.get("/api/auth/me", user).json().path("id").asLong();

            assertThat(fresh.get("/api/admin/users", user).status()).isEqualTo(403);
            assertThat(fresh.get("/api/admin/users", admin).json().path("users").findValuesAsText("username")).containsExactly("adm_first", "adm_user");
            assertThat(fresh.post("/api/admin/users/" + userId + "/disable", admin, null).json().path("is_active").asBoolean()).isFalse();
            assertThat(fresh.get("/conversations", user).status()).isEqualTo(401);
            assertThat(fresh.post("/api/auth/login", null, "{\"username\":\"adm_user\",\"password\":\"correct horse battery\"}").status()).isEqualTo(401);

            fresh.post("/api/admin/users/" + userId + "/enable", admin, null);
            fresh.post("/api/admin/users/" + userId + "/password", admin, "{\"password\":\"a brand new password\"}");

            assertThat(fresh.get("/conversations", user).status()).isEqualTo(200);
            assertThat(fresh.post("/api/auth/login", null, "{\"username\":\"adm_user\",\"password\":\"a brand new password\"}").status()).isEqualTo(200);
            assertThat(fresh.post("/api/admin/users/999999/disable", admin, null).status()).isEqualTo(404);
            long adminId = fresh.get("/api/auth/me", admin).json().path("id").asLong();
            assertThat(fresh.post("/api/admin/users/" + adminId + "/disable", admin, null).status()).isEqualTo(409);
        }
    }

    @Test
    void a_client_that_sends_its_request_too_slowly_is_disconnected(@TempDir Path own) throws Exception {
        try (TestServer quick = new TestServer(own, Map.of("HTTP_IDLE_TIMEOUT_SECONDS", "1"));
             java.net.Socket slow = new java.net.Socket("127.0.0.1", quick.server.port())) {
            slow.setSoTimeout(10_000);
            slow.getOutputStream().write("POST /chat HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"sess".getBytes(StandardCharsets.US_ASCII));

            long start = System.nanoTime();
            byte[] rest = slow.getInputStream().readAllBytes();

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(9));
            assertThat(new String(rest, StandardCharsets.ISO_8859_1)).doesNotContain("Exception");
        }
    }

    @Test
    void responses_carry_security_headers_and_never_credentials_cors() {
        TestServer.Response r = s.send(HttpRequest.newBuilder(URI.create(s.url("/api/health"))).header("Origin", "https://evil.example").build());

        assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(r.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(r.header("Referrer-Policy")).isEqualTo("no-referrer");
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
    }
}
