package dev.llmchat.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.HandleConsumer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionException;
import org.sqlite.SQLiteConnection;

/**
 * The way in for writes. On a server database each write is its own transaction; the database locks rows
 * and commits concurrently.
 *
 * <p>SQLite has one writer at a time and, with {@code synchronous=FULL}, an fsync per commit, so writes
 * there are group-committed: each write queues, and whoever holds the (fair) write lock runs every queued
 * write in one transaction, each in its own savepoint, and commits once. A write that fails is rolled back
 * to its savepoint and fails alone; if the commit fails, every write in it fails. No caller returns before
 * the commit that holds its write, so durability is unchanged; concurrent writers share an fsync instead of
 * queueing for one each. (The fair lock also keeps SQLite's unfair busy handler from starving writers of
 * this process; its busy timeout is left for other processes.)
 */
final class Writes {
    /** Writes per commit at most; a batch is a few milliseconds of work even at this size. */
    static final int MAX_BATCH = 64;

    private final Jdbi jdbi;
    private final ReentrantLock lock;
    private final ConcurrentLinkedQueue<Write<?>> queue = new ConcurrentLinkedQueue<>();

    Writes(Jdbi jdbi, boolean groupCommit) {
        this.jdbi = jdbi;
        this.lock = groupCommit ? new ReentrantLock(true) : null;
    }

    /** Runs {@code callback} in a transaction (shared with other writes on SQLite) and returns once it committed. */
    <R, X extends Exception> R inTransaction(HandleCallback<R, X> callback) throws X {
        return lock == null ? jdbi.inTransaction(callback) : grouped(callback);
    }

    /** Runs {@code callback} on its own (auto-committed statements) on a server database; as a transaction on SQLite. */
    <R, X extends Exception> R withHandle(HandleCallback<R, X> callback) throws X {
        return lock == null ? jdbi.withHandle(callback) : grouped(callback);
    }

    private <R, X extends Exception> R grouped(HandleCallback<R, X> callback) throws X {
        Write<R> write = new Write<>(callback);
        queue.add(write);
        lock.lock();
        try {
            while (!write.done) commitQueued();
        } finally {
            lock.unlock();
        }
        return write.outcome();
    }

    <X extends Exception> void useHandle(HandleConsumer<X> consumer) throws X {
        withHandle(consumer.asCallback());
    }

    <X extends Exception> void useTransaction(HandleConsumer<X> consumer) throws X {
        inTransaction(consumer.asCallback());
    }

    /** Runs what is queued (up to a batch) in one transaction; called with the lock held. */
    private void commitQueued() {
        List<Write<?>> batch = new ArrayList<>();
        for (Write<?> w; batch.size() < MAX_BATCH && (w = queue.poll()) != null; ) batch.add(w);
        if (batch.isEmpty()) return;
        boolean alone = batch.size() == 1;
        try (Handle h = jdbi.open()) {
            Connection c = h.getConnection();
            // BEGIN IMMEDIATE (the pool's transaction mode). The transaction is the connection's, not Jdbi's:
            // sqlite-jdbc's commit() begins the next transaction at once, and Jdbi's end of a transaction then
            // commits that one too, so a transaction through Jdbi is four statements; this way it is two.
            c.setAutoCommit(false);
            try {
                for (Write<?> w : batch) {
                    if (!alone) h.execute("SAVEPOINT write");
                    if (!w.run(h) && !alone) h.execute("ROLLBACK TO write");
                    if (!alone) h.execute("RELEASE write");
                }
                if (alone && batch.get(0).failure != null) {
                    rollback(c);
                } else {
                    // COMMIT: switching auto-commit back on commits the open transaction (JDBC's rule)
                    c.setAutoCommit(true);
                }
            } catch (Throwable e) {
                rollbackQuietly(c, e);
                // as Jdbi reports a commit that failed, so that callers see the store's unchecked exceptions
                Throwable failure = e instanceof SQLException ? new TransactionException("Failed to commit transaction", e) : e;
                for (Write<?> w : batch) w.failWith(failure);
            }
        } catch (RuntimeException | SQLException e) {
            Throwable failure = e instanceof SQLException ? new TransactionException("Failed to begin transaction", e) : e;
            for (Write<?> w : batch) w.failWith(failure);
        } finally {
            for (Write<?> w : batch) w.done = true;
        }
    }

    /** Ends the connection's transaction without its changes and leaves the connection in auto-commit mode. */
    private static void rollback(Connection c) throws SQLException {
        SQLiteConnection raw = c.unwrap(SQLiteConnection.class);
        if (raw.getAutoCommit()) {
            // a COMMIT that failed: sqlite-jdbc counts the connection as in auto-commit already, while SQLite keeps
            // the transaction open (or has rolled it back itself: then this fails, and the failure is only noted)
            try {
                raw.getDatabase().exec("ROLLBACK", true);
            } finally {
                c.setAutoCommit(true); // the pool's proxy still counts the connection as in a transaction
            }
        } else {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            rollback(c);
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** One queued write: its callback, then what came of it. Its fields are read and written under the lock. */
    private static final class Write<R> {
        final HandleCallback<R, ?> callback;
        R result;
        Throwable failure;
        boolean done;

        Write(HandleCallback<R, ?> callback) {
            this.callback = callback;
        }

        /** False when the callback threw (its failure is kept). */
        boolean run(Handle h) {
            try {
                result = callback.withHandle(h);
                return true;
            } catch (Throwable e) {
                failure = e;
                return false;
            }
        }

        /** A commit failed: a write that had succeeded did not happen after all. */
        void failWith(Throwable e) {
            if (failure == null) failure = e;
            result = null;
        }

        <X extends Exception> R outcome() throws X {
            if (failure == null) return result;
            if (failure instanceof RuntimeException r) throw r;
            if (failure instanceof Error e) throw e;
            throw Writes.<X>sneaky(failure);
        }
    }

    /** The callback could only throw its declared {@code X}, or an unchecked exception. */
    @SuppressWarnings("unchecked")
    private static <X extends Exception> X sneaky(Throwable checked) throws X {
        throw (X) checked;
    }
}
