package dev.llmchat.core;

import java.time.Instant;
import java.util.Objects;

/** An account. {@code email} is {@code ""} when none was given; {@code passwordHash} is opaque to the core. */
public record User(UserId id, String username, String email, String passwordHash, boolean active, boolean admin, Instant createdAt) {
    public User {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(passwordHash, "passwordHash");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
