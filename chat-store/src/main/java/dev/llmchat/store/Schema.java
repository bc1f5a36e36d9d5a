package dev.llmchat.store;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What the store needs to know about a database's tables beyond its own SQL: which exist, and identity upkeep. */
final class Schema {
    /** The store's tables in an order that respects their foreign keys. */
    static final List<String> TABLES = List.of("users", "conversations", "messages", "user_configs");
    /** Tables whose ids come from an identity/auto-increment. */
    static final List<String> IDENTITY_TABLES = List.of("users", "conversations", "messages");

    private Schema() {
    }

    /** Lower-case names of the tables in the connection's current database/schema. */
    static Set<String> tables(Connection c) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(c.getCatalog(), c.getSchema(), "%", new String[] {"TABLE"})) {
            return names(rs, "TABLE_NAME");
        }
    }

    /** Lower-case names of the table's columns. */
    static Set<String> columns(Connection c, String table) throws SQLException {
        DatabaseMetaData meta = c.getMetaData();
        try (ResultSet rs = meta.getColumns(c.getCatalog(), c.getSchema(), table, "%")) {
            return names(rs, "COLUMN_NAME");
        }
    }

    static long count(Connection c, String table) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * After rows were inserted with explicit ids, makes new rows get ids above them. Only PostgreSQL needs it:
     * InnoDB's auto-increment and SQLite's AUTOINCREMENT move past any id inserted explicitly.
     */
    static void moveIdentitiesPastExistingIds(Connection c, DatabaseUrl.Kind kind) throws SQLException {
        if (kind != DatabaseUrl.Kind.POSTGRESQL) return;
        try (Statement st = c.createStatement()) {
            for (String table : IDENTITY_TABLES) {
                st.execute("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), COALESCE((SELECT MAX(id) FROM "
                        + table + "), 0) + 1, false)");
            }
        }
    }

    private static Set<String> names(ResultSet rs, String column) throws SQLException {
        Set<String> names = new LinkedHashSet<>();
        while (rs.next()) names.add(rs.getString(column).toLowerCase(Locale.ROOT));
        return names;
    }
}
