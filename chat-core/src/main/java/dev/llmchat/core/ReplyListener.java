package dev.llmchat.core;

/**
 * Receives a reply that {@link ChatEngine#stream} produces. Lifecycle: zero or more {@link #onDelta}
 * calls, then exactly one of {@link #onComplete} or {@link #onError}; after that, no further calls.
 * Calls never overlap but may come from different threads. By the time {@code onComplete} or
 * {@code onError} is called, the reply (or what there was of it) is stored.
 */
public interface ReplyListener {
    void onDelta(String text);

    void onComplete(Message reply);

    /** A {@link ModelException} when the model failed or the stream was cancelled; another {@link ChatException} when storing failed. */
    void onError(ChatException error);
}
