package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmchat.core.NewUser;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The store contract on SQLite files, plus what only SQLite has: a file, its pragmas, its migrations. */
final class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path dir;

    @Override
    protected SqlStore newStore() {
        return SqlStore.open("sqlite:///" + dir.resolve("chat.db"));
    }

    @Test
    void opening_an_empty_file_creates_the_schema_with_its_own_history_table() {
        List<String> tables = store.jdbi().withHandle(h -> h.createQuery(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")
                .mapTo(String.class).list());

        assertThat(tables).containsExactly("conversations", "llmchat_schema_history", "messages", "user_configs", "users");
        assertThat(migrationsApplied()).isEqualTo(1);
    }

    @Test
    void reopening_an_existing_file_keeps_the_data_and_applies_nothing_twice() {
        store.close();

        try (SqlStore reopened = SqlStore.open("sqlite:///" + dir.resolve("chat.db"))) {
            store = reopened;
            assertThat(reopened.findByUsername("alice")).isPresent();
            assertThat(migrationsApplied()).isEqualTo(1);
        } finally {
            store = null;
        }
    }

    @Test
    void connections_use_wal_full_sync_foreign_keys_and_a_busy_timeout() {
        List<Object> pragmas = store.jdbi().withHandle(h -> List.of(
                h.createQuery("PRAGMA journal_mode").mapTo(String.class).one(),
                h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one(),
                h.createQuery("PRAGMA foreign_keys").mapTo(Integer.class).one(),
                h.createQuery("PRAGMA busy_timeout").mapTo(Integer.class).one()));

        assertThat(pragmas).containsExactly("wal", 2, 1, SqlitePool.BUSY_TIMEOUT_MILLIS);
    }

    @Test
    void opening_creates_the_missing_directories_of_the_file() {
        Path absolute = dir.resolve("absolute/deeper/chat.db");
        Path relative = dir.resolve("relative/deeper/chat.db");
        Path jdbc = dir.resolve("jdbc/deeper/chat.db");
        String relativePath = Path.of("").toAbsolutePath().relativize(relative).toString();

        for (String url : List.of("sqlite:///" + absolute, "sqlite:///" + relativePath, "jdbc:sqlite:" + jdbc)) {
            try (SqlStore other = SqlStore.open(url)) {
                other.create(new NewUser("dora", "", "hash", false, T0));
            }
        }

        assertThat(List.of(absolute, relative, jdbc)).allSatisfy(file -> assertThat(file).isRegularFile());
    }

    @Test
    void another_applications_tables_and_flyway_history_do_not_get_in_the_way() throws Exception {
        Path shared = dir.resolve("shared.db");
        execute(shared, "CREATE TABLE flyway_schema_history (installed_rank INTEGER PRIMARY KEY, version TEXT)",
                "CREATE TABLE orders (id INTEGER PRIMARY KEY)", "INSERT INTO orders VALUES (42)");

        try (SqlStore other = SqlStore.open("jdbc:sqlite:" + shared)) {
            other.create(new NewUser("dora", "", "hash", false, T0));
            List<Long> orders = other.jdbi().withHandle(h -> h.createQuery("SELECT id FROM orders").mapTo(Long.class).list());
            assertThat(orders).containsExactly(42L);
        }
    }

    @Test
    void a_database_of_the_python_backend_is_refused_and_left_untouched() throws Exception {
        Path legacy = dir.resolve("conversation.db");
        execute(legacy, "CREATE TABLE conversations (id INTEGER PRIMARY KEY, session_id TEXT)");

        assertThatThrownBy(() -> SqlStore.open("sqlite:///" + legacy))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("original Python backend");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + legacy);
             ResultSet tables = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
            List<String> names = new ArrayList<>();
            while (tables.next()) names.add(tables.getString("TABLE_NAME"));
            assertThat(names).containsExactly("conversations");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgresql://u:p@db:5432/chat", "mysql+pymysql://u:p@db/chat", "mariadb://db/chat",
            "jdbc:postgresql://db/chat", "jdbc:mysql://db/chat"})
    void server_databases_are_recognised_but_refused_for_now(String url) {
        assertThatThrownBy(() -> SqlStore.open(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("PostgreSQL/MySQL support is not built yet; use a sqlite:/// URL");
    }

    private static void execute(Path file, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            for (String sql : statements) st.execute(sql);
        }
    }

    private long migrationsApplied() {
        return store.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + SqlStore.HISTORY_TABLE + " WHERE success = 1")
                .mapTo(Long.class).one());
    }
}
