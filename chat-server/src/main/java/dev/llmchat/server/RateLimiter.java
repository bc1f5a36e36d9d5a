package dev.llmchat.server;

import io.javalin.http.Context;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Token buckets per key ("login:ip:…", "chat:user:…") and a cap on each user's concurrent streams.
 * Limits hold per server process; several servers behind one balancer each apply them.
 */
final class RateLimiter {
    /** {@code capacity} requests at once, refilled evenly over {@code per}. Capacity 0 switches the rule off. */
    record Rule(String name, int capacity, Duration per) {
        boolean off() {
            return capacity <= 0;
        }
    }

    private record Bucket(double tokens, long updatedNanos) {
    }

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, AtomicInteger> streams = new ConcurrentHashMap<>();
    private final int maxStreamsPerUser;
    private final AtomicInteger calls = new AtomicInteger();

    RateLimiter(int maxStreamsPerUser) {
        this.maxStreamsPerUser = maxStreamsPerUser;
    }

    /** Takes one token from {@code rule}'s bucket for {@code subject}, or answers 429 with {@code Retry-After}. */
    void take(Context ctx, Rule rule, String subject) {
        if (rule.off()) return;
        long now = System.nanoTime();
        double perToken = (double) rule.per().toNanos() / rule.capacity();
        double[] wait = new double[1];
        buckets.compute(rule.name() + ":" + subject, (k, b) -> {
            double tokens = b == null ? rule.capacity() : Math.min(rule.capacity(), b.tokens + (now - b.updatedNanos) / perToken);
            if (tokens >= 1) return new Bucket(tokens - 1, now);
            wait[0] = (1 - tokens) * perToken;
            return new Bucket(tokens, now);
        });
        if ((calls.incrementAndGet() & 0xFFF) == 0) evictFull(now);
        if (wait[0] > 0) {
            long seconds = Math.max(1, (long) Math.ceil(wait[0] / 1e9));
            ctx.header("Retry-After", Long.toString(seconds));
            throw new ApiException(429, "rate_limited", "Too many requests; try again in " + seconds + " s");
        }
    }

    /** Reserves one of the user's concurrent streams; the returned handle frees it. */
    AutoCloseable openStream(Context ctx, long userId) {
        AtomicInteger open = streams.computeIfAbsent(userId, k -> new AtomicInteger());
        if (open.incrementAndGet() > maxStreamsPerUser) {
            open.decrementAndGet();
            ctx.header("Retry-After", "5");
            throw new ApiException(429, "too_many_streams",
                    "You already have " + maxStreamsPerUser + " replies streaming; wait for one to finish");
        }
        return () -> open.decrementAndGet();
    }

    /** Forgets buckets that have refilled completely, so memory follows active clients only. */
    private void evictFull(long now) {
        buckets.entrySet().removeIf(e -> now - e.getValue().updatedNanos() > Duration.ofHours(1).toNanos());
    }
}
