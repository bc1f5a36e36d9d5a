package dev.llmchat.core;

/** A handle on a reply being streamed. Cancelling is idempotent and may be called from any thread. */
public interface ChatStream {
    void cancel();
}
