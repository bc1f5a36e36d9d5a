package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmchat.core.ConversationId;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on the local MariaDB server (standing in for MySQL too), in a database of its own that is dropped afterwards. */
final class MariaDbStoreTest extends StoreContractTest {
    private static final ServerDatabases SERVER = ServerDatabases.mariadb();
    private static String url;

    @BeforeAll
    static void createDatabase() {
        url = SERVER.create();
    }

    @AfterAll
    static void dropDatabases() {
        SERVER.dropAll();
    }

    @Override
    protected SqlStore newStore() {
        return emptied(SqlStore.open(url));
    }

    @Override
    protected String newDatabaseUrl() {
        return SERVER.create();
    }

    @Override
    protected String dropMessagesStatusIndex() {
        return "DROP INDEX messages_status ON messages";
    }

    @Override
    protected String analyze() {
        return "ANALYZE TABLE messages, conversations";
    }

    @Override
    protected void assertWalksOnlyItsRows(ConversationId id) {
        for (boolean forward : new boolean[] {true, false}) {
            String sql = "SELECT " + Mapping.MESSAGE_COLUMNS + SqlConversations.walk(DatabaseUrl.Kind.MYSQL, forward) + " LIMIT 101";
            // MariaDB's ANALYZE runs the statement and reports, per table, the key used and the rows it read (r_rows);
            // the plain form passes here as it is: this guards that it stays so
            List<String> plan = explain("ANALYZE " + sql, id,
                    (rs, ctx) -> rs.getString("table") + " key=" + rs.getString("key") + " r_rows=" + rs.getString("r_rows"));
            assertThat(plan).as(plan.toString()).anySatisfy(row -> assertThat(row).startsWith("m key=messages_by_conversation r_rows=3"));
        }
    }

    @Override
    protected String legacyScript() {
        return "legacy/mysql.sql";
    }

    @Override
    protected boolean legacyTimesHaveFractions() {
        return false;
    }

    @Test
    void tables_hold_every_character_and_compare_exactly_and_connections_agree() {
        List<String> collations = store.jdbi().withHandle(h -> h.createQuery("""
                        SELECT DISTINCT table_collation FROM information_schema.tables
                        WHERE table_schema = DATABASE() AND table_name IN ('users', 'conversations', 'messages', 'user_configs')""")
                .mapTo(String.class).list());
        List<String> connection = store.jdbi().withHandle(h -> h.createQuery("SELECT @@character_set_connection, @@collation_connection")
                .map((rs, ctx) -> List.of(rs.getString(1), rs.getString(2))).one());

        assertThat(collations).containsExactly("utf8mb4_bin");
        assertThat(connection).containsExactly("utf8mb4", "utf8mb4_bin");
    }
}
