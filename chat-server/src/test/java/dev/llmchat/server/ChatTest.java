package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class ChatTest {
    @TempDir
    static Path dir;
    static TestServer s;

    @BeforeAll
    static void start() {
        s = new TestServer(dir.resolve("main"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    private static String chatBody(String id, String message, boolean stream) {
        return "{\"session_id\":\"" + id + "\",\"message\":\"" + message + "\",\"stream\":" + stream + "}";
    }

    private static void useCustomModel(String token, String model) {
        TestServer.Response r = s.post("/api/config", token,
                "{\"model_type\":\"custom\",\"llm_api_url\":\"" + s.upstream.baseUrl() + "\",\"llm_model\":\"" + model + "\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private static JsonNode lastChatRequestFor(String model) {
        List<JsonNode> reqs = s.upstream.chatRequests().stream().filter(r -> r.path("model").asText().equals(model)).toList();
        return reqs.get(reqs.size() - 1);
    }

    @Test
    void a_non_streamed_turn_stores_both_messages_and_answers_in_the_seeds_shape() {
        String token = s.register("chat_plain");
        String id = s.newConversation(token);

        TestServer.Response r = s.post("/chat", token, chatBody(id, "你好", false));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("session_id").asText()).isEqualTo(id);
        assertThat(r.json().path("user_message").asText()).isEqualTo("你好");
        assertThat(r.json().path("assistant_reply").asText()).isEqualTo("[preset-model] Echo: 你好");
        JsonNode history = s.get("/conversations/" + id + "/history", token).json().path("messages");
        assertThat(history).hasSize(2);
    }

    @Test
    void the_streamed_answer_is_framed_exactly_like_the_seed() {
        String token = s.register("chat_stream");
        String id = s.newConversation(token);

        TestServer.Response r = s.post("/chat", token, chatBody(id, "你好世界😀", true));

        String reply = "[preset-model] Echo: 你好世界😀";
        String expected = FakeOpenAi.chunks(reply).stream().map(c -> "data: {\"chunk\": \"" + c + "\"}\n\n").collect(Collectors.joining())
                + "data: {\"done\": true}\n\n";
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/event-stream");
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(r.text()).isEqualTo(expected);
        JsonNode history = s.get("/conversations/" + id + "/history", token).json().path("messages");
        assertThat(history.get(1).path("content").asText()).isEqualTo(reply);
        assertThat(history.get(1).path("status").asText()).isEqualTo("complete");
    }

    @Test
    void json_special_characters_in_chunks_are_escaped() {
        String token = s.register("chat_escape");
        String id = s.newConversation(token);

        TestServer.Response r = s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"a\\\"b\\\\c\\nd\",\"stream\":true}");

        assertThat(r.streamedText()).isEqualTo("[preset-model] Echo: a\"b\\c\nd");
    }

    @Test
    void the_model_receives_the_system_prompt_the_history_and_the_new_message() {
        String token = s.register("chat_multi");
        useCustomModel(token, "m-history");
        String id = s.post("/conversations", token, "{\"system_prompt\":\"Be brief.\"}").json().path("session_id").asText();
        s.post("/chat", token, chatBody(id, "first", false));

        s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"second\",\"temperature\":0.2,\"max_tokens\":123}");

        JsonNode sent = lastChatRequestFor("m-history");
        List<String> roles = new ArrayList<>();
        List<String> contents = new ArrayList<>();
        sent.path("messages").forEach(m -> {
            roles.add(m.path("role").asText());
            contents.add(m.path("content").asText());
        });
        assertThat(roles).containsExactly("system", "user", "assistant", "user");
        assertThat(contents).containsExactly("Be brief.", "first", "[m-history] Echo: first", "second");
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(123);
    }

    @Test
    void without_max_tokens_the_users_configured_value_is_used() {
        String token = s.register("chat_maxtok");
        s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + s.upstream.baseUrl() + "\",\"llm_model\":\"m-maxtok\",\"max_tokens\":321}");
        String id = s.newConversation(token);

        s.post("/chat", token, chatBody(id, "hi", false));

        assertThat(lastChatRequestFor("m-maxtok").path("max_tokens").asInt()).isEqualTo(321);
    }

    @Test
    void a_failing_model_gives_a_502_json_error_and_keeps_the_user_message() {
        String token = s.register("chat_fail");
        useCustomModel(token, "status-503");
        String id = s.newConversation(token);

        TestServer.Response plain = s.post("/chat", token, chatBody(id, "question one", false));
        TestServer.Response streamed = s.post("/chat", token, chatBody(id, "question two", true));

        for (TestServer.Response r : List.of(plain, streamed)) {
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("Content-Type")).matches("application/json; ?charset=utf-8");
            assertThat(r.json().path("code").asText()).isEqualTo("upstream_unavailable");
            assertThat(r.json().path("detail").asText()).contains("fake failure");
        }
        JsonNode history = s.get("/conversations/" + id + "/history", token).json().path("messages");
        assertThat(history).hasSize(2);
        assertThat(history.get(0).path("content").asText()).isEqualTo("question one");
        assertThat(history.get(1).path("content").asText()).isEqualTo("question two");
    }

    @Test
    void a_key_the_model_server_refuses_is_reported_as_such() {
        String token = s.register("chat_401");
        useCustomModel(token, "status-401");
        String id = s.newConversation(token);

        TestServer.Response r = s.post("/chat", token, chatBody(id, "hi", false));

        assertThat(r.status()).isEqualTo(502);
        assertThat(r.json().path("code").asText()).isEqualTo("upstream_authentication");
    }

    @Test
    void a_stream_cut_short_ends_with_an_error_event_and_keeps_the_partial_reply() {
        String token = s.register("chat_break");
        useCustomModel(token, "break-after-2");
        String id = s.newConversation(token);

        TestServer.Response r = s.post("/chat", token, chatBody(id, "tell me", true));

        List<String> chunks = FakeOpenAi.chunks("[break-after-2] Echo: tell me");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).startsWith("data: {\"chunk\": \"" + chunks.get(0) + "\"}\n\ndata: {\"chunk\": \"" + chunks.get(1) + "\"}\n\ndata: {\"error\": \"");
        assertThat(r.text()).endsWith("\"}\n\n").doesNotContain("\"done\"");
        JsonNode history = s.get("/conversations/" + id + "/history", token).json().path("messages");
        assertThat(history).hasSize(2);
        assertThat(history.get(1).path("content").asText()).isEqualTo(chunks.get(0) + chunks.get(1));
        assertThat(history.get(1).path("status").asText()).isEqualTo("error");
    }

    @Test
    void invalid_chat_input_is_refused_before_anything_is_stored() {
        String token = s.register("chat_invalid");
        String id = s.newConversation(token);
        int before = s.upstream.requests.size();

        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"\"}").json().path("code").asText()).isEqualTo("invalid_message");
        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"x\",\"temperature\":3}").json().path("code").asText()).isEqualTo("invalid_temperature");
        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"x\",\"max_tokens\":0}").json().path("code").asText()).isEqualTo("invalid_max_tokens");
        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"x\",\"max_tokens\":1e300}").status()).isEqualTo(400);
        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"x\",\"temperature\":\"hot\"}").json().path("code").asText()).isEqualTo("invalid_temperature");
        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":5}").json().path("code").asText()).isEqualTo("invalid_message");
        assertThat(s.post("/chat", token, "{\"session_id\":\"" + id + "\"}").json().path("code").asText()).isEqualTo("missing_field");
        assertThat(s.post("/chat", token, "{\"session_id\":").json().path("code").asText()).isEqualTo("invalid_json");
        assertThat(s.post("/chat", token, "[1,2]").json().path("code").asText()).isEqualTo("invalid_body");

        assertThat(s.get("/conversations/" + id + "/history", token).json().path("messages")).isEmpty();
        assertThat(s.upstream.requests.size()).isEqualTo(before);
    }

    @Test
    void the_first_exchange_gets_a_title_from_the_conversations_model_without_delaying_the_reply() {
        String token = s.register("chat_title");
        useCustomModel(token, "m-title");
        String id = s.newConversation(token);

        s.post("/chat", token, chatBody(id, "How do I bake bread?", true));
        TestServer.await(() -> s.get("/conversations", token).json().path("conversations").get(0).path("title").asText().equals("测试标题"), Duration.ofSeconds(10));
        s.post("/chat", token, chatBody(id, "And cake?", false));

        List<JsonNode> titleRequests = s.upstream.titleRequests().stream().filter(r -> r.path("model").asText().equals("m-title")).toList();
        assertThat(titleRequests).hasSize(1);
        assertThat(titleRequests.get(0).path("messages").path(1).path("content").asText()).contains("How do I bake bread?");
        assertThat(s.get("/conversations", token).json().path("conversations").get(0).path("title").asText()).isEqualTo("测试标题");
    }

    @Test
    void when_the_model_gives_no_usable_title_the_default_stays() throws Exception {
        String token = s.register("chat_notitle");
        useCustomModel(token, "m-notitle");
        String id = s.newConversation(token);
        s.upstream.title = "  \"\"  ";
        try {
            s.post("/chat", token, chatBody(id, "hello", false));
            TestServer.await(() -> s.upstream.titleRequests().stream().anyMatch(r -> r.path("model").asText().equals("m-notitle")), Duration.ofSeconds(10));
            Thread.sleep(500); // the title task answers after the request is recorded
        } finally {
            s.upstream.title = "测试标题";
        }

        assertThat(s.get("/conversations", token).json().path("conversations").get(0).path("title").asText()).isEqualTo("新对话");
    }

    @Test
    void a_client_that_leaves_mid_stream_cancels_the_upstream_call_and_the_partial_reply_is_kept() throws Exception {
        String token = s.register("chat_leaver");
        useCustomModel(token, "slow");
        String id = s.newConversation(token);
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url("/chat")))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chatBody(id, "a long answer please, it is going to be quite long indeed", true))).build();

        java.net.http.HttpResponse<java.io.InputStream> response = s.http.send(request, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream in = response.body()) {
            byte[] first = new byte[16];
            assertThat(in.read(first)).isPositive();
        }

        TestServer.await(() -> s.get("/conversations/" + id + "/history", token).json().path("messages").path(1).path("status").asText()
                .equals("incomplete"), Duration.ofSeconds(10));
        JsonNode reply = s.get("/conversations/" + id + "/history", token).json().path("messages").get(1);
        assertThat("[slow] Echo: a long answer please, it is going to be quite long indeed").startsWith(reply.path("content").asText());
        assertThat(reply.path("content").asText()).isNotEmpty().isNotEqualTo("[slow] Echo: a long answer please, it is going to be quite long indeed");
    }

    @Test
    void a_conversation_created_with_a_title_keeps_it() {
        String token = s.register("chat_titled");
        String id = s.post("/conversations", token, "{\"title\":\"My own\"}").json().path("session_id").asText();

        s.post("/chat", token, chatBody(id, "hello", false));

        assertThat(s.get("/conversations", token).json().path("conversations").get(0).path("title").asText()).isEqualTo("My own");
    }

    @Test
    void concurrent_users_with_different_models_never_get_each_others_model() throws Exception {
        String alice = s.register("conc_alice");
        String bob = s.register("conc_bob");
        useCustomModel(alice, "m-alice");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String[]>> results = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String token = i % 2 == 0 ? alice : bob;
                String expected = i % 2 == 0 ? "m-alice" : "preset-model";
                int n = i;
                results.add(pool.submit(() -> {
                    String id = s.newConversation(token);
                    boolean stream = n % 4 < 2;
                    TestServer.Response r = s.post("/chat", token, chatBody(id, "turn " + n, stream));
                    String body = stream ? r.streamedText() : r.json().path("assistant_reply").asText();
                    return new String[] {expected, body};
                }));
            }
            for (Future<String[]> f : results) {
                String[] r = f.get();
                assertThat(r[1]).contains(r[0]).doesNotContain(r[0].equals("m-alice") ? "preset-model" : "m-alice");
            }
        }
    }

    @Test
    void simultaneous_turns_on_one_conversation_never_interleave_the_loser_gets_409() throws Exception {
        String token = s.register("chat_race");
        String id = s.newConversation(token);
        List<Integer> statuses = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TestServer.Response>> sent = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int n = i;
                sent.add(pool.submit(() -> s.post("/chat", token, chatBody(id, "question " + n, n % 2 == 0))));
            }
            for (Future<TestServer.Response> f : sent) statuses.add(f.get().status());
        }

        JsonNode history = s.get("/conversations/" + id + "/history", token).json().path("messages");
        long ok = statuses.stream().filter(st -> st == 200).count();
        assertThat(statuses).containsOnly(200, 409).contains(200);
        assertThat(history.size()).isEqualTo(2 * ok);
        for (int i = 0; i < history.size(); i += 2) {
            assertThat(history.get(i).path("role").asText()).isEqualTo("user");
            assertThat(history.get(i + 1).path("content").asText()).isEqualTo("[preset-model] Echo: " + history.get(i).path("content").asText());
        }
    }

    @Test
    void retention_keeps_only_the_newest_conversations(@TempDir Path own) {
        try (TestServer small = new TestServer(own, Map.of("MAX_CONVERSATIONS_PER_USER", "3"))) {
            String token = small.register("ret_user");
            String other = small.register("ret_other");
            String othersOnly = small.newConversation(other);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) ids.add(small.newConversation(token));

            JsonNode listed = small.get("/conversations", token).json().path("conversations");

            assertThat(listed).hasSize(3);
            assertThat(listed.findValuesAsText("session_id")).containsExactly(ids.get(4), ids.get(3), ids.get(2));
            assertThat(small.get("/conversations/" + ids.get(0) + "/history", token).status()).isEqualTo(404);
            assertThat(small.get("/conversations", other).json().path("conversations").get(0).path("session_id").asText()).isEqualTo(othersOnly);
        }
    }

    @Test
    void history_beyond_the_context_window_is_left_out_of_the_prompt_but_kept_in_storage(@TempDir Path own) {
        try (TestServer small = new TestServer(own, Map.of("LLM_CONTEXT_WINDOW", "400"))) {
            String token = small.register("ctx_user");
            String id = small.newConversation(token);
            String filler = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor";
            for (int i = 0; i < 8; i++) small.post("/chat", token, chatBody(id, "turn " + i + " " + filler, false));

            TestServer.Response last = small.post("/chat", token, chatBody(id, "final question", false));

            assertThat(last.status()).isEqualTo(200);
            List<JsonNode> chats = small.upstream.chatRequests();
            JsonNode prompt = chats.get(chats.size() - 1).path("messages");
            assertThat(prompt.size()).isGreaterThan(1).isLessThan(17);
            assertThat(prompt.get(0).path("role").asText()).isEqualTo("user");
            assertThat(prompt.get(prompt.size() - 1).path("content").asText()).isEqualTo("final question");
            assertThat(prompt.get(prompt.size() - 2).path("content").asText()).contains("turn 7");
            assertThat(chats.get(chats.size() - 1).path("max_tokens").asInt()).isLessThanOrEqualTo(400);
            assertThat(small.get("/conversations/" + id + "/history", token).json().path("messages")).hasSize(18);
        }
    }

    @Test
    void a_prompt_reaching_back_further_than_one_read_page_holds_every_message_in_order() {
        String token = s.register("long_chat");
        String id = s.newConversation(token);
        // 116 turns: 232 messages, more than one page of the store's reads (200), all fitting the context window
        for (int i = 0; i < 116; i++) assertThat(s.post("/chat", token, chatBody(id, "m" + i, false)).status()).isEqualTo(200);

        for (String last : List.of("next", "and next")) {
            List<String> stored = s.get("/conversations/" + id + "/history", token).json().path("messages").findValuesAsText("content");
            // the second of them streamed
            assertThat(s.post("/chat", token, chatBody(id, last, last.equals("and next"))).status()).isEqualTo(200);

            List<JsonNode> chats = s.upstream.chatRequests();
            List<String> prompt = chats.get(chats.size() - 1).path("messages").findValuesAsText("content");
            List<String> expected = new java.util.ArrayList<>(stored);
            expected.add(last);
            assertThat(prompt).as("the prompt of '%s'", last).isEqualTo(expected);
        }
    }
}
