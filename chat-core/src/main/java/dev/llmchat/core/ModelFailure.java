package dev.llmchat.core;

/** What went wrong with a model call, grouped by what the caller can do about it. */
public enum ModelFailure {
    /** Could not connect: refused, unknown host, TLS failure. */
    UNREACHABLE(true),
    /** No answer in time: connect, first token, between chunks or in total. */
    TIMEOUT(true),
    /** The server refused the API key (401/403): fix the key, do not retry. */
    AUTHENTICATION(false),
    /** The server does not know the model or the URL (404). */
    MODEL_NOT_FOUND(false),
    /** Too many requests (429); retry later. */
    RATE_LIMITED(true),
    /** The server failed (5xx). */
    UNAVAILABLE(true),
    /** The server rejected the request (400/413/422: often a prompt too long for the model). */
    REJECTED(false),
    /** The server answered something that is not an OpenAI-compatible reply. */
    PROTOCOL(false),
    /** The server closed the stream before finishing the reply. */
    INCOMPLETE(true),
    /** The endpoint is on a network this server does not call for users (loopback, private, metadata…). */
    BLOCKED(false),
    /** The call was cancelled by us (the client left or asked to stop). */
    CANCELLED(false);

    private final boolean retriable;

    ModelFailure(boolean retriable) {
        this.retriable = retriable;
    }

    public boolean retriable() {
        return retriable;
    }
}
