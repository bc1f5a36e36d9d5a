package dev.llmchat.store;

import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.Update;

/** INSERTs of one row that give back the row's generated {@code id}. */
final class InsertedId {
    private InsertedId() {
    }

    /**
     * Runs {@code insert}, bound by {@code binds}, and returns the new row's {@code id}: by {@code RETURNING id} on
     * SQLite and PostgreSQL, by the driver's generated keys on MySQL, which has no {@code RETURNING}.
     *
     * <p>On SQLite the driver's generated keys are off ({@link SqlitePool}): they cost a second statement, compiled
     * afresh, after every INSERT. A {@code RETURNING} statement is kept prepared like any other
     * ({@link SqliteStatements}).
     */
    static long insert(Handle h, DatabaseUrl.Kind kind, String insert, Consumer<SqlStatement<?>> binds) {
        if (kind == DatabaseUrl.Kind.MYSQL) {
            Update update = h.createUpdate(insert);
            binds.accept(update);
            return update.executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        }
        Query query = h.createQuery(insert + " RETURNING id");
        binds.accept(query);
        return query.mapTo(Long.class).one();
    }
}
