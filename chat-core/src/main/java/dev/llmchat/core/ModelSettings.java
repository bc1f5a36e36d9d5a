package dev.llmchat.core;

import java.util.Objects;
import java.util.Optional;

/** A user's model choice: a preset's type or {@link #CUSTOM} with their own endpoint, and their default reply length. */
public record ModelSettings(String modelType, int maxTokens, Optional<CustomModel> custom) {
    public static final String CUSTOM = "custom";
    public static final int MIN_MAX_TOKENS = 1;
    public static final int MAX_MAX_TOKENS = 100_000;

    public ModelSettings {
        Objects.requireNonNull(modelType, "modelType");
        if (maxTokens < MIN_MAX_TOKENS || maxTokens > MAX_MAX_TOKENS) throw new IllegalArgumentException("max_tokens out of range");
        custom = custom == null ? Optional.empty() : custom;
        if (modelType.equals(CUSTOM) && custom.isEmpty()) throw new IllegalArgumentException("custom model type needs a custom endpoint");
    }
}
