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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Two servers sharing one PostgreSQL database (and their secrets) behave as one service. */
class ScaleOutTest {
    @TempDir
    static Path dir;
    static Databases db;
    static TestServer a;
    static TestServer b;

    @BeforeAll
    static void start() {
        db = Databases.create(Databases.Kind.POSTGRESQL);
        Map<String, String> shared = Map.of("DATABASE_URL", db.url(), "MAX_CONVERSATIONS_PER_USER", "3",
                "TOKEN_SECRET", "a shared secret for both servers, 32+ bytes", "SECRETS_KEY", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        a = new TestServer(dir.resolve("a"), shared);
        b = new TestServer(dir.resolve("b"), shared);
    }

    @AfterAll
    static void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
        if (db != null) db.close();
    }

    @Test
    void a_conversation_started_on_one_server_continues_on_the_other_with_one_token() {
        String token = a.register("scale_alice");
        String id = a.newConversation(token);

        TestServer.Response first = b.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"asked on b\"}");
        TestServer.Response second = a.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"asked on a\",\"stream\":true}");

        assertThat(first.status()).isEqualTo(200);
        assertThat(second.streamedText()).isEqualTo("[preset-model] Echo: asked on a");
        JsonNode history = b.get("/conversations/" + id + "/history", token).json().path("messages");
        assertThat(history.findValuesAsText("content")).containsExactly("asked on b", "[preset-model] Echo: asked on b", "asked on a",
                "[preset-model] Echo: asked on a");
        // a's call saw b's turn in its prompt
        JsonNode prompt = a.upstream.chatRequests().getLast().path("messages");
        assertThat(prompt.findValuesAsText("content")).containsExactly("asked on b", "[preset-model] Echo: asked on b", "asked on a");

        // back and forth: each server keeps recent history in memory, and must still see every turn of the other
        assertThat(b.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"again on b\"}").status()).isEqualTo(200);
        assertThat(a.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"again on a\"}").status()).isEqualTo(200);
        assertThat(a.upstream.chatRequests().getLast().path("messages").findValuesAsText("content")).containsExactly(
                "asked on b", "[preset-model] Echo: asked on b", "asked on a", "[preset-model] Echo: asked on a",
                "again on b", "[preset-model] Echo: again on b", "again on a");
    }

    @Test
    void a_title_is_asked_for_once_across_both_servers() {
        String token = a.register("scale_title");
        String id = b.newConversation(token);
        long before = a.upstream.titleRequests().size() + b.upstream.titleRequests().size();

        b.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"first\"}");
        a.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"second\"}");
        TestServer.await(() -> a.get("/conversations", token).json().path("conversations").get(0).path("title").asText().equals("测试标题"), Duration.ofSeconds(10));

        assertThat(a.upstream.titleRequests().size() + b.upstream.titleRequests().size() - before).isEqualTo(1);
    }

    @Test
    void a_turn_running_on_one_server_makes_the_other_answer_409_for_that_conversation() throws Exception {
        String token = a.register("scale_busy");
        a.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + a.upstream.baseUrl() + "\",\"llm_model\":\"slow\"}");
        String id = a.newConversation(token);
        HttpResponse<InputStream> running = a.http.send(HttpRequest.newBuilder(URI.create(a.url("/chat")))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"session_id\":\"" + id + "\",\"message\":\"take your time\",\"stream\":true}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        try (InputStream in = running.body()) {
            assertThat(in.read()).isNotNegative();
            TestServer.Response clash = b.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"meanwhile\"}");
            assertThat(clash.status()).isEqualTo(409);
            assertThat(clash.json().path("code").asText()).isEqualTo("turn_in_progress");
            in.readAllBytes();
        }

        JsonNode history = b.get("/conversations/" + id + "/history", token).json().path("messages");
        assertThat(history.findValuesAsText("role")).containsExactly("user", "assistant");
        assertThat(b.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"now\"}").status()).isEqualTo(200);
    }

    @Test
    void retention_holds_when_both_servers_create_conversations_at_once() throws Exception {
        String token = a.register("scale_retention");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TestServer.Response>> created = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                TestServer server = i % 2 == 0 ? a : b;
                created.add(pool.submit(() -> server.post("/conversations", token, null)));
            }
            for (Future<TestServer.Response> f : created) assertThat(f.get().status()).isEqualTo(200);
        }

        assertThat(a.get("/conversations", token).json().path("conversations")).hasSize(3);
        assertThat(b.get("/conversations", token).json().path("conversations")).hasSize(3);
    }

    @Test
    void a_custom_key_saved_through_one_server_is_usable_by_the_other() {
        String token = b.register("scale_key");
        b.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + a.upstream.baseUrl() + "\",\"llm_model\":\"m-shared-key\",\"llm_api_key\":\"sk-shared-key-abcdef\"}");
        String id = b.newConversation(token);

        assertThat(a.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"hi\"}").status()).isEqualTo(200);
        assertThat(a.upstream.chatRequests().getLast().path("__authorization").asText()).isEqualTo("Bearer sk-shared-key-abcdef");
    }
}
