package dev.llmchat.core;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * What a user sends in one turn; absent options take the user's settings (max tokens) or the default
 * temperature. A non-empty {@code idempotencyKey} makes a retried send return the first send's turn.
 */
public record ChatInput(String message, OptionalDouble temperature, OptionalInt maxTokens, String idempotencyKey) {
    public ChatInput {
        Objects.requireNonNull(message, "message");
        temperature = temperature == null ? OptionalDouble.empty() : temperature;
        maxTokens = maxTokens == null ? OptionalInt.empty() : maxTokens;
        idempotencyKey = idempotencyKey == null ? "" : idempotencyKey;
    }

    public ChatInput(String message, OptionalDouble temperature, OptionalInt maxTokens) {
        this(message, temperature, maxTokens, "");
    }

    public static ChatInput of(String message) {
        return new ChatInput(message, OptionalDouble.empty(), OptionalInt.empty(), "");
    }
}
