package dev.llmchat.core;

/**
 * Receives a streamed reply. Lifecycle: zero or more {@link #onDelta} calls, then exactly one of
 * {@link #onComplete} or {@link #onError}; after that, no further calls. Calls for one stream never
 * overlap but may come from different threads; implementations must not block for long.
 */
public interface ChatStreamListener {
    /** A piece of the reply's text; never empty. */
    void onDelta(String text);

    /** The reply ended normally; {@code completion.text()} is the whole reply. */
    void onComplete(ChatCompletion completion);

    /** The reply failed or was cancelled; {@code partialText} is what had been produced. */
    void onError(ModelException error, String partialText);
}
