package dev.llmchat.core;

import java.time.Instant;
import java.util.Objects;

/** A message about to be appended to a conversation; token counts are 0 when unknown. */
public record NewMessage(Role role, String content, MessageStatus status, Instant createdAt, int promptTokens, int completionTokens) {
    public NewMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public static NewMessage of(Role role, String content, Instant at) {
        return new NewMessage(role, content, MessageStatus.COMPLETE, at, 0, 0);
    }
}
