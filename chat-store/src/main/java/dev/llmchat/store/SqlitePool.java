package dev.llmchat.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** The connection pool over a SQLite file, with the pragmas every connection needs. */
final class SqlitePool {
    static final int SIZE = 8;
    static final int BUSY_TIMEOUT_MILLIS = 10_000;

    private SqlitePool() {
    }

    static HikariDataSource open(DatabaseUrl url) {
        Path file = url.sqliteFile().orElseThrow(() -> new IllegalArgumentException("not a SQLite URL: " + url));
        createParentDirectory(file);

        SQLiteConfig config = new SQLiteConfig();
        // WAL: readers never block the writer nor each other.
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL (not WAL's usual NORMAL): the WAL is fsynced at every commit, so a write the store acknowledged
        // survives a crash of the process, the OS or the power, at the cost of one fsync per transaction.
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        // Writers queue for the single write lock instead of failing at once with SQLITE_BUSY.
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        config.enforceForeignKeys(true);
        // Transactions take the write lock when they begin, so a read-then-write transaction can never be
        // refused the upgrade to writer (SQLITE_BUSY that no busy timeout can fix) after another commit.
        // Quirk: sqlite-jdbc begins the next transaction right after commit(), until Jdbi restores auto-commit
        // a moment later, so each transaction takes the lock twice; measured, this costs no throughput.
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        // No generated keys: with them, sqlite-jdbc compiles and runs SELECT last_insert_rowid() after every INSERT
        // and leaves it open, which kept INSERTs out of SqliteStatements (profiled under load: 2 % of the server's
        // CPU, and 4 % more compiling those INSERTs). The store reads new ids with RETURNING (InsertedId).
        config.setGetGeneratedKeys(false);

        SQLiteDataSource sqlite = new SQLiteDataSource(config);
        sqlite.setUrl(url.jdbcUrl());

        HikariConfig pool = new HikariConfig();
        pool.setPoolName("llmchat-sqlite");
        pool.setDataSource(sqlite);
        pool.setMaximumPoolSize(SIZE);
        // Waiting longer for a connection than a writer waits for the lock would only hide an overload.
        pool.setConnectionTimeout(BUSY_TIMEOUT_MILLIS);
        return new HikariDataSource(pool);
    }

    private static void createParentDirectory(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || Files.isDirectory(parent)) return;
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of the SQLite database " + file, e);
        }
    }
}
