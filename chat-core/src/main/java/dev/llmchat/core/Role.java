package dev.llmchat.core;

/** Who wrote a message, spelled on the wire as OpenAI does. */
public enum Role {
    SYSTEM, USER, ASSISTANT;

    private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

    public String wireName() {
        return wireName;
    }

    public static Role fromWire(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
