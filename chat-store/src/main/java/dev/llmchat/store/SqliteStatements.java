package dev.llmchat.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.statement.DefaultStatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilder;
import org.jdbi.v3.core.statement.StatementBuilderFactory;
import org.jdbi.v3.core.statement.StatementContext;
import org.sqlite.SQLiteConnection;
import org.sqlite.core.CoreStatement;
import org.sqlite.core.DB;

/**
 * Keeps SQLite's prepared statements per connection. sqlite-jdbc compiles every statement it prepares, and
 * neither it nor the pool caches them; compiling was a tenth of the server's CPU in a turn (profiled), more than
 * running the statements. The store's statements are a fixed set, so each connection keeps the ones it has
 * prepared, by SQL text, and Jdbi's close of a statement only resets it.
 *
 * <p>Statements are prepared on the SQLite connection under the pool's proxy, since the pool closes the
 * statements of a connection each time it is returned; they are reset and their parameters cleared when Jdbi is
 * done with them, so an idle statement holds no read snapshot. A pooled connection serves one thread at a time,
 * so a connection's statements need no lock. A statement still open when the same SQL is asked again on the same
 * connection (a query inside the iteration of another) gets a new one, closed as usual.
 *
 * <p>This relies on the pool's connections having sqlite-jdbc's generated keys off ({@link SqlitePool}). With them on,
 * sqlite-jdbc runs {@code SELECT last_insert_rowid()} after every INSERT and leaves that statement open until the INSERT
 * is executed again or closed; a kept INSERT would then stay "in progress" on the connection, and SQLite refuses
 * {@code VACUUM INTO} (the online backup) while one is.
 */
final class SqliteStatements implements StatementBuilderFactory {
    /** Statements kept per connection at most; the store has a few dozen, some with variants. */
    static final int PER_CONNECTION = 128;

    private final Map<SQLiteConnection, Kept> connections = new ConcurrentHashMap<>();

    @Override
    public StatementBuilder createStatementBuilder(Connection conn) {
        return new Builder();
    }

    private Kept kept(SQLiteConnection raw) {
        Kept k = connections.get(raw);
        if (k != null) return k;
        // a new connection: the pool has replaced or added one; forget the statements of those it closed
        connections.keySet().removeIf(SqliteStatements::closed);
        k = new Kept();
        connections.put(raw, k);
        return k;
    }

    private static boolean closed(SQLiteConnection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /** One connection's statements, least recently used first, and those lent out, with their keys. */
    private static final class Kept {
        final Map<PreparedStatement, String> lent = new IdentityHashMap<>();
        final LinkedHashMap<String, PreparedStatement> statements = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
                if (size() <= PER_CONNECTION) return false;
                // one still lent out is closed when it comes back
                if (!lent.containsKey(eldest.getValue())) closeQuietly(eldest.getValue());
                return true;
            }
        };
    }

    private final class Builder extends DefaultStatementBuilder {
        @Override
        public PreparedStatement create(Connection conn, String sql, StatementContext ctx) throws SQLException {
            SQLiteConnection raw = conn.unwrap(SQLiteConnection.class);
            Kept k = kept(raw);
            PreparedStatement s = k.statements.get(sql);
            if (s != null && k.lent.containsKey(s)) return super.create(raw, sql, ctx);
            if (s == null || s.isClosed()) {
                s = super.create(raw, sql, ctx);
                k.statements.put(sql, s);
            }
            k.lent.put(s, sql);
            return s;
        }

        @Override
        public void close(Connection conn, String sql, Statement stmt) throws SQLException {
            Kept k = connections.get(conn.unwrap(SQLiteConnection.class));
            String key = k == null ? null : k.lent.remove(stmt);
            if (key == null || k.statements.get(key) != stmt) {
                stmt.close();
                return;
            }
            try {
                // an executed query or RETURNING statement keeps its read snapshot until reset
                ((CoreStatement) stmt).pointer.safeRunInt(DB::reset);
                ((PreparedStatement) stmt).clearParameters();
            } catch (SQLException | RuntimeException e) {
                k.statements.remove(key);
                closeQuietly(stmt);
                throw e;
            }
        }
    }

    private static void closeQuietly(Statement s) {
        try {
            s.close();
        } catch (SQLException ignored) {
            // closing a statement of a connection that is going away
        }
    }
}
