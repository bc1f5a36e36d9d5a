package dev.llmchat.core;

import java.time.Instant;
import java.util.Objects;

/** A conversation as listed: its owner, title, optional system prompt ({@code ""} for none), activity and size. */
public record Conversation(ConversationId id, UserId owner, String title, String systemPrompt,
                           Instant createdAt, Instant updatedAt, long messageCount) {
    public Conversation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(systemPrompt, "systemPrompt");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
