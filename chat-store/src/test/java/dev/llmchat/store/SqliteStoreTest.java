package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmchat.core.ConversationId;
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

/** The store contract on SQLite files, plus what only SQLite has: a file, its pragmas, its migrations. */
final class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path dir;
    private int databases;

    @Override
    protected SqlStore newStore() {
        return SqlStore.open("sqlite:///" + dir.resolve("chat.db"));
    }

    @Override
    protected String newDatabaseUrl() {
        return "sqlite:///" + dir.resolve("other-" + ++databases + ".db");
    }

    @Override
    protected void assertWalksOnlyItsRows(ConversationId id) {
        for (boolean forward : new boolean[] {true, false}) {
            String plan = String.join("\n", explain("EXPLAIN QUERY PLAN SELECT " + Mapping.MESSAGE_COLUMNS + SqlConversations.walk(DatabaseUrl.Kind.SQLITE, forward) + " LIMIT 101", id, 4));
            // without INDEXED BY, SQLite 3.54 with statistics walked the rowid: "SEARCH m USING INTEGER PRIMARY KEY (rowid<?)"
            assertThat(plan).as(plan).contains("messages_by_conversation (conversation_id=? AND id" + (forward ? ">" : "<") + "?)");
        }
    }

    @Override
    protected String legacyScript() {
        return "legacy/sqlite.sql";
    }

    @Test
    void an_online_backup_taken_during_writes_is_a_consistent_snapshot() throws Exception {
        dev.llmchat.core.ConversationId id = dev.llmchat.core.ConversationId.random();
        store.create(id, alice, "busy", "", T0);
        for (int i = 0; i < 100; i++) store.append(id, dev.llmchat.core.NewMessage.of(dev.llmchat.core.Role.USER, "before " + i, T0));
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 0; writing.get(); i++) store.append(id, dev.llmchat.core.NewMessage.of(dev.llmchat.core.Role.USER, "during " + i, T0));
        });
        Path backup = dir.resolve("backup.db");

        try {
            Thread.sleep(50);
            store.backup(backup);
        } finally {
            writing.set(false);
            writer.join();
        }

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + backup); Statement st = c.createStatement()) {
            ResultSet check = st.executeQuery("PRAGMA integrity_check");
            check.next();
            assertThat(check.getString(1)).isEqualTo("ok");
            ResultSet counts = st.executeQuery("SELECT c.message_count, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) FROM conversations c WHERE c.session_id = '" + id + "'");
            counts.next();
            assertThat(counts.getLong(1)).isEqualTo(counts.getLong(2)).isGreaterThanOrEqualTo(100);
        }
        assertThatThrownBy(() -> store.backup(backup)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void opening_an_empty_file_creates_the_schema_with_its_own_history_table() {
        List<String> tables = store.jdbi().withHandle(h -> h.createQuery(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name")
                .mapTo(String.class).list());

        assertThat(tables).containsExactly("conversations", "idempotency_keys", "llmchat_schema_history", "messages", "user_configs", "users");
        assertThat(migrationsApplied()).isEqualTo(4);
    }

    @Test
    void reopening_an_existing_file_keeps_the_data_and_applies_nothing_twice() {
        store.close();

        try (SqlStore reopened = SqlStore.open("sqlite:///" + dir.resolve("chat.db"))) {
            store = reopened;
            assertThat(reopened.findByUsername("alice")).isPresent();
            assertThat(migrationsApplied()).isEqualTo(4);
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
    void a_conversations_table_of_another_application_is_refused_and_left_as_it_is() throws Exception {
        Path foreign = dir.resolve("foreign.db");
        execute(foreign, "CREATE TABLE conversations (id INTEGER PRIMARY KEY, topic TEXT)", "INSERT INTO conversations VALUES (1, 'x')");

        assertThatThrownBy(() -> SqlStore.open("sqlite:///" + foreign))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("neither LLM Chat's nor the original Python backend's");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + foreign);
             ResultSet tables = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
            List<String> names = new ArrayList<>();
            while (tables.next()) names.add(tables.getString("TABLE_NAME"));
            assertThat(names).containsExactlyInAnyOrder("conversations", SqlStore.HISTORY_TABLE);
        }
    }

    @Test
    void the_python_backends_indexes_stay_with_the_legacy_tables() throws Exception {
        try (SqlStore upgraded = SqlStore.open(legacyDatabase(), LEGACY_OPTIONS)) {
            List<String> indexes = upgraded.jdbi().withHandle(h -> h.createQuery(
                    "SELECT name || ' on ' || tbl_name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix!_%' ESCAPE '!' ORDER BY name")
                    .mapTo(String.class).list());

            assertThat(indexes).containsExactly("ix_conversations_id on legacy_conversations", "ix_conversations_session_id on legacy_conversations",
                    "ix_messages_id on legacy_messages", "ix_user_configs_id on legacy_user_configs",
                    "ix_user_configs_user_identifier on legacy_user_configs");
        }
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
