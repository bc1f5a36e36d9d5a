package dev.llmchat.core;

import java.time.Duration;

/**
 * When to try a failed model call again: only failures that may pass (rate limits, 5xx, unreachable,
 * no first token), only before any text was relayed, at most {@code attempts} calls within {@code budget},
 * waiting what the server asked for ({@code Retry-After}) or an exponential backoff.
 */
record Retry(int attempts, Duration budget) {
    static final Retry DEFAULT = new Retry(3, Duration.ofSeconds(20));

    /** How long to wait before call number {@code attempt + 1}, or -1 to give up. */
    long delayMillis(ModelException e, int attempt, long elapsedMillis) {
        boolean transientFailure = switch (e.failure()) {
            case RATE_LIMITED, UNAVAILABLE, UNREACHABLE, TIMEOUT -> true;
            default -> false;
        };
        if (!transientFailure || attempt >= attempts) return -1;
        long wait = e.retryAfter().map(Duration::toMillis).orElse(Math.min(8_000L, 500L << (attempt - 1)));
        return elapsedMillis + wait <= budget.toMillis() ? wait : -1;
    }
}
