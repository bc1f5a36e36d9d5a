package dev.llmchat.llm.internal;

import java.time.Duration;
import java.util.Objects;

/** The limits of one model call: connecting, the first event of a reply, the gap between events and the whole call. */
public record Timeouts(Duration connect, Duration firstToken, Duration idle, Duration total) {
    public Timeouts {
        positive(connect, "connect");
        positive(firstToken, "firstToken");
        positive(idle, "idle");
        positive(total, "total");
    }

    /** How often the watchdog looks at the streams: a quarter of the shortest limit, between 10 and 250 ms. */
    Duration sweepInterval() {
        long shortest = Math.min(firstToken.toMillis(), Math.min(idle.toMillis(), total.toMillis()));
        return Duration.ofMillis(Math.clamp(shortest / 4, 10, 250));
    }

    /** "300 ms", "1 second", "60 seconds", "10 minutes": for messages an end user reads. */
    static String describe(Duration d) {
        if (d.compareTo(Duration.ofSeconds(1)) < 0) return d.toMillis() + " ms";
        long s = Math.round(d.toMillis() / 1000.0);
        if (s >= 120 && s % 60 == 0) return s / 60 + " minutes";
        return s == 1 ? "1 second" : s + " seconds";
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " timeout must be positive");
    }
}
