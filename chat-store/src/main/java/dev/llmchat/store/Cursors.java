package dev.llmchat.store;

import dev.llmchat.core.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque keyset cursors: base64url of the sort key of the last row a page returned ({@code "updatedAt:id"}
 * for conversations, {@code "id"} for messages). Clients must not build them; anything that does not decode
 * to the expected shape is an {@code invalid_cursor}.
 */
final class Cursors {
    private Cursors() {
    }

    /** The position of a conversation in "most recent activity first" order. */
    record Position(long updatedAt, long id) {
    }

    static String encode(Position p) {
        return encode(p.updatedAt() + ":" + p.id());
    }

    static String encode(long messageId) {
        return encode(Long.toString(messageId));
    }

    static Position position(String cursor) {
        String[] parts = decode(cursor).split(":", -1);
        if (parts.length != 2) throw invalid();
        return new Position(number(parts[0]), number(parts[1]));
    }

    static long messageId(String cursor) {
        return number(decode(cursor));
    }

    private static String encode(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.US_ASCII));
    }

    private static String decode(String cursor) {
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
    }

    private static long number(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw invalid();
        }
    }

    private static InvalidInputException invalid() {
        return new InvalidInputException("invalid_cursor", "cursor is not one this server returned; start again from the first page");
    }
}
