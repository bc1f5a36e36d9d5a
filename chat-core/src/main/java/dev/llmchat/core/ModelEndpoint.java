package dev.llmchat.core;

import java.util.Objects;

/**
 * Where one request goes: an OpenAI-compatible URL (base ending in {@code /v1} or the full
 * {@code …/chat/completions}), the model name, the key ({@code ""} for none), the context window, and
 * whether the operator vouches for it ({@code trusted}: presets) or a user chose it (custom endpoints).
 */
public record ModelEndpoint(String url, String model, String apiKey, int contextWindow, boolean trusted) {
    public ModelEndpoint {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(model, "model");
        apiKey = apiKey == null ? "" : apiKey;
        if (contextWindow < 1) throw new IllegalArgumentException("context window must be positive");
    }

    @Override
    public String toString() {
        return "ModelEndpoint[url=" + url + ", model=" + model + ", apiKey=" + Secrets.mask(apiKey) + ", contextWindow=" + contextWindow + "]";
    }
}
