package dev.llmchat.core;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** A conversation's public id (the seed's {@code session_id}): a UUID for new conversations, any short token for imported ones. */
public record ConversationId(String value) {
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public ConversationId {
        if (value == null || !SHAPE.matcher(value).matches()) {
            throw new IllegalArgumentException("conversation id must be 1-64 letters, digits, '-' or '_'");
        }
    }

    public static ConversationId random() {
        return new ConversationId(UUID.randomUUID().toString());
    }

    /** Parses untrusted text; anything that cannot be an id is simply absent (callers answer 404). */
    public static Optional<ConversationId> parse(String text) {
        return text != null && SHAPE.matcher(text).matches() ? Optional.of(new ConversationId(text)) : Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
