package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Group commit on a real SQLite file: concurrent writes share commits, and each still succeeds or fails alone. */
final class WritesTest {
    @TempDir
    Path dir;
    private HikariDataSource pool;
    private Jdbi jdbi;
    private Writes writes;

    @BeforeEach
    void open() {
        pool = SqlitePool.open(DatabaseUrl.parse("sqlite:///" + dir.resolve("writes.db")));
        jdbi = Jdbi.create(pool);
        jdbi.useHandle(h -> h.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)"));
        writes = new Writes(jdbi, true);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    @Timeout(60)
    void concurrent_writes_share_commits_and_a_failing_one_is_rolled_back_alone() throws Exception {
        int writers = 48;
        Set<Handle> transactions = ConcurrentHashMap.newKeySet();
        List<Boolean> outcomes = StoreContractTest.atOnce(writers, n -> {
            try {
                writes.useHandle(h -> {
                    transactions.add(h);
                    h.execute("INSERT INTO t (v) VALUES (?)", "row " + n);
                    Thread.sleep(2); // long enough for the others to queue behind this batch
                    // every third write fails after its first statement succeeded
                    if (n % 3 == 0) h.execute("INSERT INTO t (v) VALUES (?)", "row " + n);
                });
                return true;
            } catch (org.jdbi.v3.core.statement.StatementException e) {
                return false;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            assertThat(outcomes.get(i)).as("write %d", i).isEqualTo(i % 3 != 0);
            if (i % 3 != 0) expected.add("row " + i);
        }
        List<String> rows = jdbi.withHandle(h -> h.createQuery("SELECT v FROM t").mapTo(String.class).list());
        assertThat(rows).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(transactions.size()).as("transactions for %d writes", writers).isLessThan(writers / 2);
    }

    @Test
    void a_write_alone_that_fails_leaves_nothing_behind_and_the_next_one_commits() {
        boolean failed = false;
        try {
            writes.useHandle(h -> {
                h.execute("INSERT INTO t (v) VALUES ('a')");
                h.execute("INSERT INTO t (v) VALUES ('a')");
            });
        } catch (org.jdbi.v3.core.statement.StatementException e) {
            failed = true;
        }
        writes.useHandle(h -> h.execute("INSERT INTO t (v) VALUES ('b')"));

        List<String> rows = jdbi.withHandle(h -> h.createQuery("SELECT v FROM t").mapTo(String.class).list());
        assertThat(failed).isTrue();
        assertThat(rows).containsExactly("b");
    }

    @Test
    @Timeout(60)
    void a_commit_that_fails_fails_every_write_in_it_and_the_next_commit_succeeds() throws Exception {
        // a deferred foreign key is checked at COMMIT: the writes succeed, their commit does not
        jdbi.useHandle(h -> h.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)"));
        assertThat(tryWrite("INSERT INTO child (parent) VALUES (999)")).isFalse();

        // a batch: the orphan's commit takes the others with it
        List<Boolean> outcomes = StoreContractTest.atOnce(12, n -> tryWrite(n == 5 ? "INSERT INTO child (parent) VALUES (999)" : "INSERT INTO t (v) VALUES ('row " + n + "')"));
        int committed = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM t").mapTo(Integer.class).one());
        assertThat(outcomes.stream().filter(ok -> ok).count()).as("writes that say they committed").isEqualTo(committed);
        assertThat(outcomes.get(5)).isFalse();

        assertThat(tryWrite("INSERT INTO t (v) VALUES ('after')")).isTrue();
        int orphans = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM child").mapTo(Integer.class).one());
        List<String> after = jdbi.withHandle(h -> h.createQuery("SELECT v FROM t WHERE v = 'after'").mapTo(String.class).list());
        assertThat(orphans).isZero();
        assertThat(after).hasSize(1);
    }

    private boolean tryWrite(String sql) {
        try {
            writes.useHandle(h -> {
                h.execute(sql);
                Thread.sleep(2); // long enough for the others to queue behind this batch
            });
            return true;
        } catch (RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void a_checked_exception_reaches_its_caller_unchanged() {
        Exception thrown = null;
        try {
            writes.<Void, Exception>withHandle(h -> {
                throw new java.io.IOException("disk says no");
            });
        } catch (Exception e) {
            thrown = e;
        }
        assertThat(thrown).isInstanceOf(java.io.IOException.class).hasMessage("disk says no");
    }
}
