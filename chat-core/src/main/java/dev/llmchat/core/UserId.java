package dev.llmchat.core;

/** A user's id. Old clients send it back as a string ({@code user_id}); {@link #matches(String)} compares it that way. */
public record UserId(long value) {
    public UserId {
        if (value <= 0) throw new IllegalArgumentException("user id must be positive");
    }

    public boolean matches(String text) {
        return text != null && text.strip().equals(Long.toString(value));
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
