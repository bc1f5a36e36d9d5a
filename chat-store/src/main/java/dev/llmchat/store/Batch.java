package dev.llmchat.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** A prepared statement sent to the database every {@value #SIZE} rows, so bulk copies run in constant memory. */
final class Batch implements AutoCloseable {
    static final int SIZE = 500;

    private final PreparedStatement statement;
    private int pending;
    private long rows;

    Batch(Connection c, String sql) throws SQLException {
        this.statement = c.prepareStatement(sql);
    }

    /** The statement whose parameters make the next row. */
    PreparedStatement row() {
        return statement;
    }

    void add() throws SQLException {
        statement.addBatch();
        rows++;
        if (++pending == SIZE) flush();
    }

    /** Sends what is pending; returns how many rows were added in all. */
    long finish() throws SQLException {
        flush();
        return rows;
    }

    private void flush() throws SQLException {
        if (pending == 0) return;
        statement.executeBatch();
        statement.clearBatch();
        pending = 0;
    }

    @Override
    public void close() throws SQLException {
        statement.close();
    }
}
