package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kept SQLite statements on a real file, through the pool the store uses. */
final class SqliteStatementsTest {
    @TempDir
    Path dir;
    private HikariDataSource pool;
    private Jdbi jdbi;
    private final List<PreparedStatement> executed = new ArrayList<>();

    @BeforeEach
    void open() {
        pool = SqlitePool.open(DatabaseUrl.parse("sqlite:///" + dir.resolve("statements.db")));
        jdbi = Jdbi.create(pool);
        jdbi.setStatementBuilderFactory(new SqliteStatements());
        jdbi.useHandle(h -> h.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"));
    }

    @AfterEach
    void close() {
        pool.close();
    }

    private List<String> values(Handle h) {
        return h.createQuery("SELECT v FROM t ORDER BY id").addCustomizer(recorder()).mapTo(String.class).list();
    }

    private StatementCustomizer recorder() {
        return new StatementCustomizer() {
            @Override
            public void beforeExecution(PreparedStatement stmt, StatementContext ctx) {
                executed.add(stmt);
            }
        };
    }

    @Test
    void a_statement_is_prepared_once_per_connection_and_sees_every_later_write() {
        try (Handle h = jdbi.open()) {
            h.execute("INSERT INTO t (v) VALUES (?)", "a");
            assertThat(values(h)).containsExactly("a");
            h.execute("INSERT INTO t (v) VALUES (?)", "b");
            assertThat(values(h)).containsExactly("a", "b");
        }
        assertThat(executed).hasSize(2);
        assertThat(executed.get(1)).isSameAs(executed.get(0));
    }

    @Test
    void the_same_query_inside_its_own_iteration_gets_a_statement_of_its_own() {
        jdbi.useHandle(h -> {
            h.execute("INSERT INTO t (v) VALUES ('a'), ('b')");
            List<String> pairs = new ArrayList<>();
            try (var outer = h.createQuery("SELECT v FROM t ORDER BY id").addCustomizer(recorder()).mapTo(String.class).stream()) {
                outer.forEach(v -> values(h).forEach(w -> pairs.add(v + w)));
            }
            assertThat(pairs).containsExactly("aa", "ab", "ba", "bb");
            assertThat(values(h)).containsExactly("a", "b");
        });
        assertThat(executed).hasSize(4);
        // (Jdbi gives the outer statement back as soon as it has read the last row, before the last inner query)
        assertThat(executed.get(1)).as("inner query while the outer one reads").isNotSameAs(executed.get(0));
        assertThat(executed.get(3)).as("the kept one, once the outer query is done").isSameAs(executed.get(0));
    }

    @Test
    void a_kept_statement_holds_no_snapshot_once_given_back() throws Exception {
        jdbi.useHandle(h -> {
            h.execute("INSERT INTO t (v) VALUES ('a'), ('b'), ('c')");
            // read one row of three: the statement stops mid-way, then goes back to the cache
            assertThat(h.createQuery("SELECT v FROM t ORDER BY id").mapTo(String.class).findFirst()).contains("a");
            assertThat(values(h)).hasSize(3);
        });
        // another process's writer and a full checkpoint: a statement left mid-way would pin the old snapshot
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("statements.db"));
             Statement s = other.createStatement()) {
            s.execute("INSERT INTO t (v) VALUES ('d')");
            try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).as("checkpoint blocked by a reader").isZero();
            }
        }
        assertThat(jdbi.withHandle(this::values)).containsExactly("a", "b", "c", "d");
    }

    private long insertReturningId(Handle h, String v) {
        return h.createQuery("INSERT INTO t (v) VALUES (:v) RETURNING id").bind("v", v).addCustomizer(recorder()).mapTo(Long.class).one();
    }

    @Test
    void inserts_are_kept_and_leave_nothing_in_progress_so_an_online_backup_can_run() {
        Path backup = dir.resolve("backup.db");
        jdbi.useHandle(h -> {
            h.execute("INSERT INTO t (v) VALUES (?)", "a");
            h.execute("INSERT INTO t (v) VALUES (?)", "b");
            long c = insertReturningId(h, "c");
            assertThat(insertReturningId(h, "d")).isEqualTo(c + 1);
            h.execute("VACUUM INTO ?", backup.toString());
        });
        assertThat(executed).hasSize(2);
        assertThat(executed.get(1)).as("the INSERT, prepared once").isSameAs(executed.get(0));
        assertThat(Jdbi.create("jdbc:sqlite:" + backup).withHandle(this::values)).containsExactly("a", "b", "c", "d");
    }
}
