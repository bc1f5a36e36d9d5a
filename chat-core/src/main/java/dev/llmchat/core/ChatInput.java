package dev.llmchat.core;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/** What a user sends in one turn; absent options take the user's settings (max tokens) or the default temperature. */
public record ChatInput(String message, OptionalDouble temperature, OptionalInt maxTokens) {
    public ChatInput {
        Objects.requireNonNull(message, "message");
        temperature = temperature == null ? OptionalDouble.empty() : temperature;
        maxTokens = maxTokens == null ? OptionalInt.empty() : maxTokens;
    }

    public static ChatInput of(String message) {
        return new ChatInput(message, OptionalDouble.empty(), OptionalInt.empty());
    }
}
