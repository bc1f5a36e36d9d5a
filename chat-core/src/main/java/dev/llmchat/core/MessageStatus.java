package dev.llmchat.core;

/**
 * Where a stored message stands. User messages are always {@code COMPLETE}; an assistant reply is
 * {@code COMPLETE} when the model finished, {@code INCOMPLETE} when the client left or the reply was
 * stopped, {@code ERROR} when the model failed part-way, {@code STREAMING}/{@code INTERRUPTED} for
 * replies being written or cut off by a crash.
 */
public enum MessageStatus {
    STREAMING, COMPLETE, INCOMPLETE, ERROR, INTERRUPTED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static MessageStatus fromWire(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
