package dev.llmchat.core;

import java.util.Objects;

/**
 * A model the operator offers to every user: {@code type} is its key in {@code /api/config}, {@code url}
 * its OpenAI-compatible endpoint, {@code apiKey} the operator's key ({@code ""} for none), and
 * {@code contextWindow} how many tokens the model accepts (prompt plus reply).
 */
public record ModelPreset(String type, String name, String url, String model, String apiKey, int contextWindow) {
    public ModelPreset {
        if (type == null || type.isBlank() || type.equals(ModelSettings.CUSTOM)) throw new IllegalArgumentException("preset type must be set and not 'custom'");
        Objects.requireNonNull(name, "name");
        if (url == null || url.isBlank()) throw new IllegalArgumentException("preset " + type + " needs a url");
        if (model == null || model.isBlank()) throw new IllegalArgumentException("preset " + type + " needs a model");
        apiKey = apiKey == null ? "" : apiKey;
        if (contextWindow < 256) throw new IllegalArgumentException("preset " + type + ": context window must be at least 256 tokens");
    }

    public ModelEndpoint endpoint() {
        return new ModelEndpoint(url, model, apiKey, contextWindow, true);
    }
}
