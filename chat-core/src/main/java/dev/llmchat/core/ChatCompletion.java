package dev.llmchat.core;

import java.util.Objects;

/** A finished reply: its whole text, why it ended and the token usage when the server reported it. */
public record ChatCompletion(String text, FinishReason finishReason, Usage usage) {
    public ChatCompletion {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
    }
}
