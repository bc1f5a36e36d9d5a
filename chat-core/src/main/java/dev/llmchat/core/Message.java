package dev.llmchat.core;

import java.time.Instant;
import java.util.Objects;

/** A stored message of a conversation. */
public record Message(long id, Role role, String content, MessageStatus status, Instant createdAt) {
    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
