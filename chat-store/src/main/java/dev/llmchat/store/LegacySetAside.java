package dev.llmchat.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Migration V1: renames the original Python backend's tables to {@code legacy_conversations},
 * {@code legacy_messages} and {@code legacy_user_configs}, so that V2 can create the store's own tables and V3
 * ({@link LegacyImport}) copy their rows across. A database without them is left alone. The renaming is
 * atomic on every database (one transaction on SQLite and PostgreSQL, one RENAME TABLE statement on MySQL),
 * and running it again finds nothing left to rename.
 */
record LegacySetAside(DatabaseUrl.Kind kind) implements JavaMigration {
    static final List<String> TABLES = List.of("conversations", "messages", "user_configs");
    static final String PREFIX = "legacy_";
    private static final int POSTGRES_MAX_NAME = 63;

    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion("1");
    }

    @Override
    public String getDescription() {
        return "set aside the Python backend's tables";
    }

    @Override
    public Integer getChecksum() {
        return null;
    }

    @Override
    public boolean canExecuteInTransaction() {
        return true;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        Set<String> tables = Schema.tables(c);
        if (!tables.contains("conversations")) return;
        if (!Schema.columns(c, "conversations").contains("session_id")) {
            throw new IllegalStateException("The database already holds a 'conversations' table that is neither LLM Chat's"
                    + " nor the original Python backend's; point DATABASE_URL at another database");
        }
        List<String> present = TABLES.stream().filter(tables::contains).toList();
        for (String table : present) {
            if (tables.contains(PREFIX + table)) {
                throw new IllegalStateException("The database holds both '" + table + "' and '" + PREFIX + table
                        + "': an earlier upgrade of the Python backend's tables was used again; rename or drop one of them");
            }
        }
        try (Statement st = c.createStatement()) {
            switch (kind) {
                case SQLITE -> {
                    // SQLite rewrites the foreign keys that point at a renamed table. Its index names are global, but
                    // SQLAlchemy's (ix_…) and the store's never collide, so they stay.
                    for (String table : present) st.execute("ALTER TABLE " + table + " RENAME TO " + PREFIX + table);
                }
                case MYSQL -> st.execute("RENAME TABLE " + present.stream()
                        .map(table -> table + " TO " + PREFIX + table).collect(Collectors.joining(", ")));
                case POSTGRESQL -> {
                    for (String table : present) st.execute("ALTER TABLE " + table + " RENAME TO " + PREFIX + table);
                    for (String table : present) renamePostgresObjectsOf(c, st, PREFIX + table);
                }
            }
        }
    }

    /**
     * Sequences, indexes (and with them the primary key and unique constraints they back) and other constraints
     * of a PostgreSQL table get the prefix too: serial sequences and primary keys would collide with the new
     * tables' ({@code conversations_id_seq}, {@code conversations_pkey}).
     */
    private static void renamePostgresObjectsOf(Connection c, Statement st, String table) throws SQLException {
        for (String index : names(c, "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ?", table)) {
            st.execute("ALTER INDEX " + quote(index) + " RENAME TO " + quote(prefixed(index)));
        }
        for (String sequence : names(c, """
                SELECT DISTINCT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
                WHERE s.relkind = 'S' AND d.refobjid = to_regclass(?)""", table)) {
            st.execute("ALTER SEQUENCE " + quote(sequence) + " RENAME TO " + quote(prefixed(sequence)));
        }
        for (String constraint : names(c,
                "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(?) AND contype NOT IN ('p', 'u', 'x')", table)) {
            st.execute("ALTER TABLE " + table + " RENAME CONSTRAINT " + quote(constraint) + " TO " + quote(prefixed(constraint)));
        }
    }

    private static List<String> names(Connection c, String sql, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> names = new ArrayList<>();
                while (rs.next()) names.add(rs.getString(1));
                return names;
            }
        }
    }

    private static String prefixed(String name) {
        String renamed = PREFIX + name;
        return renamed.length() > POSTGRES_MAX_NAME ? renamed.substring(0, POSTGRES_MAX_NAME) : renamed;
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
