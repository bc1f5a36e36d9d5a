package dev.llmchat.core;

import java.util.Objects;

/** One message of a prompt sent to a model. */
public record ChatMessage(Role role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
