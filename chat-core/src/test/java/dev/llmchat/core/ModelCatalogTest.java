package dev.llmchat.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelCatalogTest {
    private final ModelCatalog catalog = new ModelCatalog(List.of(
            new ModelPreset("codegeex", "CodeGeex 4", "http://a/v1", "codegeex4-all-9b", "codegeex", 8192),
            new ModelPreset("glm", "GLM-4 32B", "http://b/v1", "glm4_32B_chat", "glm432b", 32768)), 2000, 4096);

    private static SettingsUpdate update(String type, String url, String model, String key, Integer maxTokens) {
        return new SettingsUpdate(type, Optional.ofNullable(url), Optional.ofNullable(model), Optional.ofNullable(key),
                maxTokens == null ? OptionalInt.empty() : OptionalInt.of(maxTokens));
    }

    @Test
    void new_users_get_the_first_preset_and_the_default_max_tokens() {
        assertThat(catalog.defaults()).isEqualTo(new ModelSettings("codegeex", 2000, Optional.empty()));
        assertThat(catalog.endpoint(catalog.defaults())).isEqualTo(new ModelEndpoint("http://a/v1", "codegeex4-all-9b", "codegeex", 8192, true));
    }

    @Test
    void a_custom_endpoint_is_untrusted_and_uses_the_custom_context_window() {
        ModelSettings s = catalog.apply(catalog.defaults(), update("custom", "https://x.example/v1", "m", "sk-1", null));

        ModelEndpoint e = catalog.endpoint(s);

        assertThat(e.trusted()).isFalse();
        assertThat(e.contextWindow()).isEqualTo(4096);
        assertThat(e.apiKey()).isEqualTo("sk-1");
    }

    @Test
    void switching_to_a_preset_remembers_the_custom_endpoint() {
        ModelSettings custom = catalog.apply(catalog.defaults(), update("custom", "https://x.example/v1", "m", "sk-1", null));

        ModelSettings preset = catalog.apply(custom, update("glm", null, null, null, null));
        ModelSettings back = catalog.apply(preset, update("custom", null, null, null, null));

        assertThat(catalog.endpoint(preset).model()).isEqualTo("glm4_32B_chat");
        assertThat(back.custom()).isEqualTo(custom.custom());
    }

    @Test
    void a_key_is_not_carried_over_to_a_different_url() {
        ModelSettings custom = catalog.apply(catalog.defaults(), update("custom", "https://x.example/v1", "m", "sk-1", null));

        ModelSettings moved = catalog.apply(custom, update("custom", "https://elsewhere.example/v1", "m", null, null));

        assertThat(moved.custom().orElseThrow().apiKey()).isEmpty();
    }

    @Test
    void invalid_updates_are_refused_with_a_reason() {
        assertThatThrownBy(() -> catalog.apply(catalog.defaults(), update("gpt", null, null, null, null))).hasMessageContaining("codegeex, glm or custom");
        assertThatThrownBy(() -> catalog.apply(catalog.defaults(), update("custom", null, "m", null, null))).hasMessageContaining("llm_api_url");
        assertThatThrownBy(() -> catalog.apply(catalog.defaults(), update("custom", "http://x/v1", null, null, null))).hasMessageContaining("llm_model");
        assertThatThrownBy(() -> catalog.apply(catalog.defaults(), update("custom", "file:///etc/passwd", "m", null, null))).hasMessageContaining("http");
        assertThatThrownBy(() -> catalog.apply(catalog.defaults(), update("custom", "http://user:pw@x/v1", "m", null, null))).hasMessageContaining("credentials");
        assertThatThrownBy(() -> catalog.apply(catalog.defaults(), update("glm", null, null, null, 0))).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> catalog.apply(catalog.defaults(), update("glm", null, null, null, 100_001))).hasMessageContaining("max_tokens");
    }

    @Test
    void keys_are_masked_for_display() {
        assertThat(Secrets.mask("sk-abcdefghijklmnop1234")).isEqualTo("sk-…1234");
        assertThat(Secrets.mask("abcdefghijklmnop1234")).isEqualTo("…1234");
        assertThat(Secrets.mask("short")).isEqualTo("…");
        assertThat(Secrets.mask("")).isEmpty();
        assertThat(new ModelEndpoint("http://x", "m", "sk-abcdefghijklmnop1234", 10, false).toString()).doesNotContain("abcdefgh");
    }
}
