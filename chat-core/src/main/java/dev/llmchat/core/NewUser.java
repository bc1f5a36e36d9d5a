package dev.llmchat.core;

import java.time.Instant;
import java.util.Objects;

/** An account about to be created. */
public record NewUser(String username, String email, String passwordHash, boolean admin, Instant createdAt) {
    public NewUser {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(passwordHash, "passwordHash");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
