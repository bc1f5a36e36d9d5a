package dev.llmchat.core;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** A change to a user's model settings, as {@code POST /api/config} carries it; absent fields keep their value. */
public record SettingsUpdate(String modelType, Optional<String> url, Optional<String> model, Optional<String> apiKey, OptionalInt maxTokens) {
    public SettingsUpdate {
        Objects.requireNonNull(modelType, "modelType");
        url = url == null ? Optional.empty() : url;
        model = model == null ? Optional.empty() : model;
        apiKey = apiKey == null ? Optional.empty() : apiKey;
        maxTokens = maxTokens == null ? OptionalInt.empty() : maxTokens;
    }
}
