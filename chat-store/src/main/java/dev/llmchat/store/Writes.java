package dev.llmchat.store;

import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.HandleConsumer;
import org.jdbi.v3.core.Jdbi;

/**
 * The way in for writes. SQLite lets one writer at a time in and makes the others spin in its busy
 * handler, which is unfair: under a burst some writers starve past any timeout. So on SQLite the writers
 * of this process queue on a fair lock before taking a connection, and SQLite's busy timeout is left for
 * other processes. Server databases lock rows themselves; there the gate is open.
 */
final class Writes {
    private final Jdbi jdbi;
    private final ReentrantLock lock;

    Writes(Jdbi jdbi, boolean serialize) {
        this.jdbi = jdbi;
        this.lock = serialize ? new ReentrantLock(true) : null;
    }

    <R, X extends Exception> R withHandle(HandleCallback<R, X> callback) throws X {
        if (lock == null) return jdbi.withHandle(callback);
        lock.lock();
        try {
            return jdbi.withHandle(callback);
        } finally {
            lock.unlock();
        }
    }

    <R, X extends Exception> R inTransaction(HandleCallback<R, X> callback) throws X {
        return withHandle(h -> h.inTransaction(callback));
    }

    <X extends Exception> void useHandle(HandleConsumer<X> consumer) throws X {
        withHandle(h -> {
            consumer.useHandle(h);
            return null;
        });
    }

    <X extends Exception> void useTransaction(HandleConsumer<X> consumer) throws X {
        inTransaction(h -> {
            consumer.useHandle(h);
            return null;
        });
    }
}
