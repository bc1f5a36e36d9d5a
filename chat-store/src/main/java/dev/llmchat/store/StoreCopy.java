package dev.llmchat.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;

/** {@link SqlStore#copy}: every row of the store's tables, ids included, streamed in batches into an empty database. */
final class StoreCopy {
    private static final List<Table> TABLES = List.of(
            new Table("users", "id", "id:n username:t username_key:t email:t password_hash:t is_active:b is_admin:b created_at:n"),
            new Table("conversations", "id", "id:n session_id:t user_id:n title:t system_prompt:t created_at:n updated_at:n"
                    + " message_count:n turn_id:t turn_expires_at:n"),
            new Table("messages", "id", "id:n conversation_id:n role:t content:t status:t created_at:n prompt_tokens:n completion_tokens:n"),
            new Table("user_configs", "user_id", "user_id:n current_model_type:t max_tokens:n custom_api_url:t custom_model:t"
                    + " custom_api_key:t updated_at:n"));

    private StoreCopy() {
    }

    static void copy(DataSource from, DatabaseUrl.Kind fromKind, DataSource to, DatabaseUrl.Kind toKind) {
        try (Connection source = from.getConnection(); Connection target = to.getConnection()) {
            requireEmpty(target);
            // One read transaction: PostgreSQL streams only inside one, and it gives the tables one consistent snapshot
            // (on SQLite it holds the write lock, which has the same effect).
            if (fromKind != DatabaseUrl.Kind.SQLITE) source.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            source.setAutoCommit(false);
            target.setAutoCommit(false);
            try {
                for (Table table : TABLES) table.copy(source, target);
                Schema.moveIdentitiesPastExistingIds(target, toKind);
                target.commit();
            } catch (SQLException | RuntimeException e) {
                target.rollback();
                throw e;
            } finally {
                source.rollback();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Copying the database failed, the target is left empty: " + e.getMessage(), e);
        }
    }

    private static void requireEmpty(Connection target) throws SQLException {
        List<String> held = new ArrayList<>();
        for (Table table : TABLES) {
            long rows = Schema.count(target, table.name());
            if (rows > 0) held.add(rows + " row(s) in " + table.name());
        }
        if (!held.isEmpty()) {
            throw new IllegalStateException("The target database is not empty (" + String.join(", ", held)
                    + "): copy only into a newly created database");
        }
    }

    /** A table, the column to read it in order of, and its columns as {@code name:type} (n number, t text, b boolean). */
    private record Table(String name, String orderBy, String spec) {
        void copy(Connection source, Connection target) throws SQLException {
            List<String> columns = new ArrayList<>();
            List<Character> types = new ArrayList<>();
            for (String column : spec.split(" ")) {
                columns.add(column.substring(0, column.indexOf(':')));
                types.add(column.charAt(column.length() - 1));
            }
            String list = String.join(", ", columns);
            String marks = String.join(", ", Collections.nCopies(columns.size(), "?"));
            try (Statement read = source.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
                read.setFetchSize(Batch.SIZE);
                try (ResultSet rs = read.executeQuery("SELECT " + list + " FROM " + name + " ORDER BY " + orderBy);
                     Batch write = new Batch(target, "INSERT INTO " + name + " (" + list + ") VALUES (" + marks + ")")) {
                    while (rs.next()) {
                        PreparedStatement row = write.row();
                        for (int i = 1; i <= types.size(); i++) {
                            switch (types.get(i - 1)) {
                                case 'b' -> row.setBoolean(i, rs.getBoolean(i));
                                case 't' -> row.setString(i, rs.getString(i));
                                default -> {
                                    long value = rs.getLong(i);
                                    if (rs.wasNull()) row.setNull(i, Types.BIGINT);
                                    else row.setLong(i, value);
                                }
                            }
                        }
                        write.add();
                    }
                    write.finish();
                }
            }
        }
    }
}
