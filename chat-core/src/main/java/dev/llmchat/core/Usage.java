package dev.llmchat.core;

/** Token counts reported by the model server; {@link #UNKNOWN} when it reported none. */
public record Usage(int promptTokens, int completionTokens) {
    public static final Usage UNKNOWN = new Usage(0, 0);

    public boolean known() {
        return promptTokens > 0 || completionTokens > 0;
    }
}
