package dev.llmchat.llm.internal;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One daemon thread per model that sweeps the active streams a few times a second and lets each decide
 * whether a deadline passed. Streams pay nothing per chunk beyond a volatile write of a timestamp; nothing
 * is scheduled per stream or per chunk. The thread starts with the first stream.
 */
final class Watchdog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Watchdog.class.getName());

    /** Something with deadlines. {@link #check} cancels it if one passed and returns whether to keep watching. */
    interface Watched {
        boolean check(long nowNanos);
    }

    private final Set<Watched> active = ConcurrentHashMap.newKeySet();
    private final Duration interval;
    private final AtomicBoolean started = new AtomicBoolean();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("llm-chat-watchdog").factory());

    Watchdog(Duration interval) {
        this.interval = interval;
    }

    void watch(Watched w) {
        active.add(w);
        if (started.compareAndSet(false, true)) {
            scheduler.scheduleWithFixedDelay(this::sweep, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Watched w : active) {
            try {
                if (!w.check(now)) active.remove(w);
            } catch (RuntimeException e) {
                // a failing check must not stop the sweeps of every other stream
                active.remove(w);
                LOG.log(Level.WARNING, "stream watchdog check failed", e);
            }
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        active.clear();
    }
}
