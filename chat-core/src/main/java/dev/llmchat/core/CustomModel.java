package dev.llmchat.core;

/** A user's own OpenAI-compatible endpoint; {@code apiKey} is {@code ""} when the server needs none. */
public record CustomModel(String url, String model, String apiKey) {
    public CustomModel {
        if (url == null || url.isBlank()) throw new IllegalArgumentException("custom model needs a url");
        if (model == null || model.isBlank()) throw new IllegalArgumentException("custom model needs a model name");
        apiKey = apiKey == null ? "" : apiKey;
    }
}
