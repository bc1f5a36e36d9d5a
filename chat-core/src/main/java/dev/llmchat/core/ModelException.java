package dev.llmchat.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A model call failed. The message is written for the end user (what happened and what to do);
 * {@link #failure()} says which kind, {@link #upstreamStatus()} the HTTP status if there was one.
 */
public final class ModelException extends ChatException {
    private static final long serialVersionUID = 1L;
    private final ModelFailure failure;
    private final int upstreamStatus;
    private final transient Optional<Duration> retryAfter;

    public ModelException(ModelFailure failure, String message, int upstreamStatus, Optional<Duration> retryAfter, Throwable cause) {
        super("upstream_" + failure.name().toLowerCase(java.util.Locale.ROOT), message, cause);
        this.failure = Objects.requireNonNull(failure, "failure");
        this.upstreamStatus = upstreamStatus;
        this.retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
    }

    public ModelException(ModelFailure failure, String message) {
        this(failure, message, 0, Optional.empty(), null);
    }

    public ModelFailure failure() {
        return failure;
    }

    /** The HTTP status the model server answered with, or 0 when no response was received. */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
