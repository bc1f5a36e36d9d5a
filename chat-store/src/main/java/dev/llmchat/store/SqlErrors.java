package dev.llmchat.store;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Recognises constraint failures across drivers, so the store reacts to what the database decided rather than pre-checking. */
final class SqlErrors {
    private SqlErrors() {
    }

    /** A UNIQUE or PRIMARY KEY constraint rejected the statement. */
    static boolean isUniqueViolation(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException e) {
                SQLiteErrorCode code = e.getResultCode();
                return code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE || code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY;
            }
            if (t instanceof SQLException e) {
                return "23505".equals(e.getSQLState()) || e.getErrorCode() == 1062; // PostgreSQL, MySQL/MariaDB
            }
        }
        return false;
    }

    /** A FOREIGN KEY constraint rejected the statement (the referenced row is gone). */
    static boolean isForeignKeyViolation(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException e) return e.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY;
            if (t instanceof SQLException e) return "23503".equals(e.getSQLState()) || e.getErrorCode() == 1452;
        }
        return false;
    }
}
