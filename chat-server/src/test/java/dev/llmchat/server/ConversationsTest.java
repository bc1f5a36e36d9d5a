package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConversationsTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        s = new TestServer(dir);
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void a_new_conversation_is_listed_with_the_default_title_and_no_messages() {
        String token = s.register("conv_alice");

        TestServer.Response created = s.post("/conversations", token, null);
        String id = created.json().path("session_id").asText();

        assertThat(created.json().path("message").asText()).isEqualTo("对话会话创建成功");
        JsonNode listed = s.get("/conversations", token).json().path("conversations");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).path("session_id").asText()).isEqualTo(id);
        assertThat(listed.get(0).path("title").asText()).isEqualTo("新对话");
        assertThat(listed.get(0).path("message_count").asInt()).isZero();
        assertThat(listed.get(0).has("next_cursor")).isFalse();
    }

    @Test
    void the_list_shows_newest_activity_first_and_counts_messages() {
        String token = s.register("conv_bob");
        String older = s.newConversation(token);
        String newer = s.newConversation(token);

        s.post("/chat", token, "{\"session_id\":\"" + older + "\",\"message\":\"hi\"}");

        JsonNode listed = s.get("/conversations", token).json().path("conversations");
        assertThat(listed.get(0).path("session_id").asText()).isEqualTo(older);
        assertThat(listed.get(0).path("message_count").asInt()).isEqualTo(2);
        assertThat(listed.get(1).path("session_id").asText()).isEqualTo(newer);
    }

    @Test
    void the_list_pages_with_an_opaque_cursor() {
        String token = s.register("conv_pager");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) ids.add(s.newConversation(token));

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = s.get("/conversations?limit=2" + (cursor == null ? "" : "&cursor=" + cursor), token).json();
            page.path("conversations").forEach(c -> seen.add(c.path("session_id").asText()));
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
        } while (cursor != null);

        assertThat(seen).containsExactlyElementsOf(ids.reversed());
        assertThat(s.get("/conversations?limit=0", token).status()).isEqualTo(400);
        assertThat(s.get("/conversations?limit=2&cursor=garbage!", token).json().path("code").asText()).isEqualTo("invalid_cursor");
    }

    @Test
    void history_is_oldest_first_with_ids_roles_and_status() {
        String token = s.register("conv_carol");
        String id = s.newConversation(token);
        s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"第一\"}");
        s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"second 😀\"}");

        JsonNode messages = s.get("/conversations/" + id + "/history", token).json().path("messages");

        assertThat(messages).hasSize(4);
        assertThat(messages.get(0).path("role").asText()).isEqualTo("user");
        assertThat(messages.get(0).path("content").asText()).isEqualTo("第一");
        assertThat(messages.get(1).path("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(1).path("status").asText()).isEqualTo("complete");
        assertThat(messages.get(2).path("content").asText()).isEqualTo("second 😀");
        assertThat(messages.get(3).path("content").asText()).isEqualTo("[preset-model] Echo: second 😀");
        assertThat(messages.get(0).path("id").asLong()).isLessThan(messages.get(1).path("id").asLong());
    }

    @Test
    void deleting_a_conversation_removes_it_and_its_messages() {
        String token = s.register("conv_dave");
        String id = s.newConversation(token);
        s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"hi\"}");

        TestServer.Response deleted = s.send("DELETE", "/conversations/" + id, token, null);

        assertThat(deleted.status()).isEqualTo(200);
        assertThat(s.get("/conversations/" + id + "/history", token).status()).isEqualTo(404);
        assertThat(s.send("DELETE", "/conversations/" + id, token, null).status()).isEqualTo(404);
        assertThat(s.get("/conversations", token).json().path("conversations")).isEmpty();
    }

    @Test
    void another_users_conversation_is_not_found_and_left_untouched() {
        String alice = s.register("iso_alice");
        String mallory = s.register("iso_mallory");
        String id = s.newConversation(alice);
        s.post("/chat", alice, "{\"session_id\":\"" + id + "\",\"message\":\"private\"}");

        assertThat(s.get("/conversations/" + id + "/history", mallory).status()).isEqualTo(404);
        assertThat(s.send("DELETE", "/conversations/" + id, mallory, null).status()).isEqualTo(404);
        TestServer.Response chat = s.post("/chat", mallory, "{\"session_id\":\"" + id + "\",\"message\":\"intrude\"}");
        assertThat(chat.status()).isEqualTo(404);
        assertThat(chat.json().path("code").asText()).isEqualTo("conversation_not_found");
        assertThat(s.get("/conversations", mallory).json().path("conversations")).isEmpty();
        assertThat(s.get("/conversations/search?q=private", mallory).json().path("count").asInt()).isZero();

        assertThat(s.get("/conversations/" + id + "/history", alice).json().path("messages")).hasSize(2);
    }

    @Test
    void search_finds_the_callers_conversations_by_message_text() {
        String token = s.register("search_erin");
        String id = s.newConversation(token);
        s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"我们讨论一下量子计算\"}");
        s.newConversation(token);

        JsonNode r = s.get("/conversations/search?q=" + java.net.URLEncoder.encode("量子", java.nio.charset.StandardCharsets.UTF_8), token).json();

        assertThat(r.path("count").asInt()).isEqualTo(1);
        assertThat(r.path("query").asText()).isEqualTo("量子");
        assertThat(r.path("results").get(0).path("session_id").asText()).isEqualTo(id);
        assertThat(r.path("results").get(0).path("snippet").asText()).contains("量子计算");
        assertThat(s.get("/conversations/search?q=", token).status()).isEqualTo(400);
    }

    @Test
    void unknown_and_malformed_ids_are_404() {
        String token = s.register("conv_frank");

        assertThat(s.get("/conversations/00000000-0000-0000-0000-000000000000/history", token).status()).isEqualTo(404);
        assertThat(s.get("/conversations/" + "x".repeat(500) + "/history", token).status()).isEqualTo(404);
        assertThat(s.get("/conversations/%27%20OR%201=1--/history", token).status()).isEqualTo(404);
    }

    @Test
    void a_user_id_naming_someone_else_is_refused() {
        String token = s.register("conv_grace");
        String me = s.get("/api/auth/me", token).json().path("id").asText();

        assertThat(s.get("/conversations?user_id=" + me, token).status()).isEqualTo(200);
        assertThat(s.get("/conversations?user_id=999999", token).status()).isEqualTo(403);
        assertThat(s.post("/conversations", token, "{\"user_id\":\"999999\"}").json().path("code").asText()).isEqualTo("user_mismatch");
    }
}
