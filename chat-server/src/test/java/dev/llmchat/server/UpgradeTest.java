package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Pointing the server at a database of the original Python backend upgrades it; everything is readable through the API. */
class UpgradeTest {
    private static final Map<String, String> OWNER = Map.of("LEGACY_OWNER", "owner", "LEGACY_OWNER_PASSWORD", "owner password 1");

    @Test
    void an_original_sqlite_database_is_upgraded_in_place(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("conversation.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            String text = new String(UpgradeTest.class.getResourceAsStream("/legacy/sqlite.sql").readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                    .replaceAll("(?m)^--.*\\n", "");
            for (String sql : text.split(";[ \\t]*\\n")) if (!sql.isBlank()) st.execute(sql);
        }
        Map<String, String> vars = new java.util.HashMap<>(OWNER);
        vars.put("DATABASE_URL", "sqlite:///" + db);
        try (TestServer s = new TestServer(dir, vars)) {
            readEverythingBack(s);
        }
    }

    @Test
    void an_original_postgresql_database_is_upgraded_in_place(@TempDir Path dir) {
        upgrade(Databases.Kind.POSTGRESQL, "legacy/postgresql.sql", dir);
    }

    @Test
    void an_original_mysql_database_is_upgraded_in_place(@TempDir Path dir) {
        upgrade(Databases.Kind.MARIADB, "legacy/mysql.sql", dir);
    }

    private static void upgrade(Databases.Kind kind, String script, Path dir) {
        try (Databases db = Databases.create(kind)) {
            db.run(script);
            Map<String, String> vars = new java.util.HashMap<>(OWNER);
            vars.put("DATABASE_URL", db.url());
            try (TestServer s = new TestServer(dir, vars)) {
                readEverythingBack(s);
            }
        }
    }

    private static void readEverythingBack(TestServer s) {
        String owner = s.post("/api/auth/login", null, "{\"username\":\"owner\",\"password\":\"owner password 1\"}").json().path("access_token").asText();
        assertThat(s.get("/api/auth/me", owner).json().path("is_admin").asBoolean()).isTrue();

        JsonNode conversations = s.get("/conversations", owner).json().path("conversations");
        assertThat(conversations).hasSize(5);
        assertThat(conversations.findValuesAsText("session_id")).contains("c0a8012e-5f3b-4d6a-9e1f-2b7c8d9e0a11",
                "5b1e7c3a-2d4f-4e8b-a6c9-0f1e2d3c4b5a", "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "0e4f3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f");
        JsonNode hangzhou = conversations.findParents("session_id").stream()
                .filter(c -> c.path("session_id").asText().equals("c0a8012e-5f3b-4d6a-9e1f-2b7c8d9e0a11")).findFirst().orElseThrow();
        assertThat(hangzhou.path("title").asText()).isEqualTo("周末去杭州玩 🏞️");
        assertThat(hangzhou.path("message_count").asInt()).isEqualTo(4);
        assertThat(hangzhou.path("created_at").asText()).startsWith("2025-10-02T10:00:00");

        JsonNode messages = s.get("/conversations/c0a8012e-5f3b-4d6a-9e1f-2b7c8d9e0a11/history", owner).json().path("messages");
        assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant", "user", "assistant");
        assertThat(messages.get(0).path("content").asText()).isEqualTo("我们周末想去杭州，有什么推荐的路线吗？😊");
        assertThat(messages.get(0).path("created_at").asText()).startsWith("2025-10-02T10:00:05");
        assertThat(messages.get(3).path("content").asText()).isEqualTo("见仁见智 — it's sweet & sour（酸甜口）。");
        assertThat(s.get("/conversations/5b1e7c3a-2d4f-4e8b-a6c9-0f1e2d3c4b5a/history", owner).json().path("messages").get(0).path("content").asText())
                .isEqualTo("Hello? Is anyone there 👀");

        // the settings of the seed's user 'alice' survive; an administrator gives her account a password
        long alice = s.get("/api/admin/users", owner).json().path("users").findParents("username").stream()
                .filter(u -> u.path("username").asText().equals("alice")).findFirst().orElseThrow().path("id").asLong();
        s.post("/api/admin/users/" + alice + "/password", owner, "{\"password\":\"alice password 1\"}");
        String token = s.post("/api/auth/login", null, "{\"username\":\"alice\",\"password\":\"alice password 1\"}").json().path("access_token").asText();
        JsonNode config = s.get("/api/config", token).json();
        assertThat(config.path("current_model_type").asText()).isEqualTo("custom");
        assertThat(config.path("llm_api_url").asText()).isEqualTo("http://10.0.0.5:8000/v1");
        assertThat(config.path("llm_model").asText()).isEqualTo("Qwen/Qwen2.5-7B-Instruct");
        assertThat(config.path("max_tokens").asInt()).isEqualTo(4096);

        // and the upgraded database keeps working
        String id = s.newConversation(owner);
        assertThat(s.post("/chat", owner, "{\"session_id\":\"" + id + "\",\"message\":\"still works\"}").status()).isEqualTo(200);
    }
}
