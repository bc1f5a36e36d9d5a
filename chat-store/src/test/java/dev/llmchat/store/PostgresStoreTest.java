package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmchat.core.ConversationId;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on the local PostgreSQL server, in a database of its own that is dropped afterwards. */
final class PostgresStoreTest extends StoreContractTest {
    private static final ServerDatabases SERVER = ServerDatabases.postgres();
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
    protected String legacyScript() {
        return "legacy/postgresql.sql";
    }

    @Override
    protected int hugeConversation() {
        return 100_000;
    }

    @Override
    protected void assertWalksOnlyItsRows(ConversationId id) {
        for (boolean forward : new boolean[] {true, false}) {
            String plan = String.join("\n", explain("EXPLAIN (ANALYZE, COSTS OFF) SELECT " + Mapping.MESSAGE_COLUMNS + SqlConversations.walk(DatabaseUrl.Kind.POSTGRESQL, forward) + " LIMIT 101", id));
            // the equality form walked the primary key and filtered: "Index Scan using messages_pkey on messages m …
            // Rows Removed by Filter: 100000"
            assertThat(plan).as(plan).containsPattern("Scan (Backward )?using messages_by_conversation on messages m \\(actual time=[0-9.]+ rows=3 ")
                    .doesNotContain("messages_pkey");
        }
    }

    @Test
    void the_python_backends_sequences_indexes_and_constraints_move_aside_with_their_tables() throws Exception {
        try (SqlStore upgraded = SqlStore.open(legacyDatabase(), LEGACY_OPTIONS)) {
            List<String> names = upgraded.jdbi().withHandle(h -> h.createQuery("""
                            SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
                            AND c.relkind IN ('S', 'i') AND c.relname LIKE '%legacy%'
                            UNION SELECT conname FROM pg_constraint WHERE conrelid = 'legacy_messages'::regclass AND contype = 'f'
                            ORDER BY 1""")
                    .mapTo(String.class).list());

            assertThat(names).containsExactly("legacy_conversations_id_seq", "legacy_conversations_pkey", "legacy_ix_conversations_id",
                    "legacy_ix_conversations_session_id", "legacy_ix_messages_id", "legacy_ix_user_configs_id",
                    "legacy_ix_user_configs_user_identifier", "legacy_messages_conversation_id_fkey", "legacy_messages_id_seq",
                    "legacy_messages_pkey", "legacy_user_configs_id_seq", "legacy_user_configs_pkey");
        }
    }
}
