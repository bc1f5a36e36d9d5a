package dev.llmchat.core;

/** Why the model stopped: OpenAI's {@code finish_reason}, {@code OTHER} for values we do not know. */
public enum FinishReason {
    STOP, LENGTH, CONTENT_FILTER, TOOL_CALLS, OTHER;

    public static FinishReason fromWire(String reason) {
        if (reason == null) return OTHER;
        return switch (reason) {
            case "stop", "eos", "end_turn" -> STOP;
            case "length", "max_tokens" -> LENGTH;
            case "content_filter" -> CONTENT_FILTER;
            case "tool_calls", "function_call" -> TOOL_CALLS;
            default -> OTHER;
        };
    }
}
