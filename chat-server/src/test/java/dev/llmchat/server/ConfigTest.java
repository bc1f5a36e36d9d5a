package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigTest {
    @TempDir
    static Path dir;
    static TestServer s;
    static String admin;

    @BeforeAll
    static void start() {
        s = new TestServer(dir);
        admin = s.register("cfg_admin_first");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void a_new_user_gets_the_first_preset_in_the_seeds_shape_without_any_preset_key() {
        String token = s.register("cfg_new");

        JsonNode c = s.get("/api/config", token).json();

        assertThat(c.path("current_model_type").asText()).isEqualTo("codegeex");
        assertThat(c.path("llm_api_url").asText()).isEqualTo(s.upstream.baseUrl());
        assertThat(c.path("llm_model").asText()).isEqualTo("preset-model");
        assertThat(c.path("llm_api_key").asText()).isEmpty();
        assertThat(c.path("max_tokens").asInt()).isEqualTo(2000);
        assertThat(c.path("preset_models").findValuesAsText("type")).containsExactly("codegeex", "glm");
        assertThat(c.path("preset_models").findValuesAsText("key")).containsOnly("");
        assertThat(s.get("/api/config", token).text()).doesNotContain("sk-operator-secret-key-0001").doesNotContain("glm432b");
    }

    @Test
    void an_administrator_sees_preset_keys_masked_only() {
        JsonNode c = s.get("/api/config", admin).json();

        assertThat(c.path("preset_models").get(0).path("key").asText()).isEqualTo("sk-…0001");
        assertThat(s.get("/api/config", admin).text()).doesNotContain("sk-operator-secret-key-0001");
    }

    @Test
    void a_custom_endpoint_is_saved_and_its_key_is_only_ever_shown_masked() {
        String token = s.register("cfg_custom");

        TestServer.Response r = s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"https://api.example.com/v1\","
                + "\"llm_model\":\"gpt-x\",\"llm_api_key\":\"sk-user-very-secret-9f3a\",\"max_tokens\":1500}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("message").asText()).isEqualTo("配置已更新");
        assertThat(r.json().path("current_config").path("model_type").asText()).isEqualTo("custom");
        assertThat(r.json().path("current_config").path("api_url").asText()).isEqualTo("https://api.example.com/v1");
        assertThat(r.json().path("current_config").path("model").asText()).isEqualTo("gpt-x");
        assertThat(r.json().path("current_config").path("max_tokens").asInt()).isEqualTo(1500);
        assertThat(r.text()).doesNotContain("very-secret");
        JsonNode c = s.get("/api/config", token).json();
        assertThat(c.path("current_model_type").asText()).isEqualTo("custom");
        assertThat(c.path("llm_api_key").asText()).isEqualTo("sk-…9f3a");
        assertThat(c.toString()).doesNotContain("very-secret");
    }

    @Test
    void echoing_the_masked_key_back_keeps_the_stored_key() {
        String token = s.register("cfg_echo");
        s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + s.upstream.baseUrl() + "\",\"llm_model\":\"m-echo-key\",\"llm_api_key\":\"sk-keep-this-key-1234\"}");

        s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"" + s.upstream.baseUrl() + "\",\"llm_model\":\"m-echo-key\",\"llm_api_key\":\"sk-…1234\",\"max_tokens\":99}");

        assertThat(s.get("/api/config", token).json().path("llm_api_key").asText()).isEqualTo("sk-…1234");
        assertThat(s.get("/api/config", token).json().path("max_tokens").asInt()).isEqualTo(99);
    }

    @Test
    void switching_presets_and_max_tokens_works_and_bad_values_are_400_and_change_nothing() {
        String token = s.register("cfg_switch");

        assertThat(s.post("/api/config", token, "{\"model_type\":\"glm\",\"max_tokens\":1000}").status()).isEqualTo(200);
        assertThat(s.post("/api/config", token, "{\"model_type\":\"nope\"}").json().path("code").asText()).isEqualTo("unknown_model_type");
        assertThat(s.post("/api/config", token, "{\"model_type\":\"glm\",\"max_tokens\":100001}").json().path("code").asText()).isEqualTo("invalid_max_tokens");
        assertThat(s.post("/api/config", token, "{\"model_type\":\"glm\",\"max_tokens\":0}").status()).isEqualTo(400);
        assertThat(s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_model\":\"x\"}").json().path("code").asText()).isEqualTo("custom_model_incomplete");
        assertThat(s.post("/api/config", token, "{\"model_type\":\"custom\",\"llm_api_url\":\"ftp://x/v1\",\"llm_model\":\"x\"}").json().path("code").asText()).isEqualTo("invalid_api_url");
        assertThat(s.post("/api/config", token, "{\"max_tokens\":5}").json().path("code").asText()).isEqualTo("missing_field");

        JsonNode c = s.get("/api/config", token).json();
        assertThat(c.path("current_model_type").asText()).isEqualTo("glm");
        assertThat(c.path("llm_model").asText()).isEqualTo("glm4_32B_chat");
        assertThat(c.path("max_tokens").asInt()).isEqualTo(1000);
    }

    @Test
    void each_users_settings_are_their_own() {
        String a = s.register("cfg_a");
        String b = s.register("cfg_b");

        s.post("/api/config", a, "{\"model_type\":\"glm\"}");

        assertThat(s.get("/api/config", a).json().path("current_model_type").asText()).isEqualTo("glm");
        assertThat(s.get("/api/config", b).json().path("current_model_type").asText()).isEqualTo("codegeex");
    }
}
