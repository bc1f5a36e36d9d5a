package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmchat.core.Conversation;
import dev.llmchat.core.NewMessage;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.Role;
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

    @Test
    void a_small_conversation_beside_a_huge_one_is_walked_by_its_own_index_range() {
        // given: one conversation of 20,000 messages, then a new one of 3, with statistics that say so
        Conversation huge = conversation(alice, "huge", T0);
        appendQuickly(store, huge, 20_000);
        Conversation small = conversation(alice, "small", T0);
        for (String text : List.of("one", "two", "three")) store.append(small.id(), NewMessage.of(Role.USER, text, T0));
        store.jdbi().useHandle(h -> h.execute("ANALYZE"));

        // when / then: the store's answers
        assertThat(contents(store.history(small.id(), PageRequest.first(100)).items())).containsExactly("one", "two", "three");
        assertThat(contents(store.recent(small.id(), Long.MAX_VALUE, 100))).containsExactly("three", "two", "one");
        // and PostgreSQL's plans for its walks: the (conversation_id, id) index, no row of the huge one read and dropped
        // (the equality form walked the primary key through all 20,000)
        for (boolean forward : new boolean[] {true, false}) {
            String plan = store.jdbi().withHandle(h -> String.join("\n", h.createQuery("EXPLAIN (ANALYZE, COSTS OFF) SELECT m.id FROM messages m"
                            + SqlConversations.walk(true, forward) + " LIMIT 101")
                    .bind("id", small.id().value()).bind("after", Long.MIN_VALUE).bind("before", Long.MAX_VALUE)
                    .mapTo(String.class).list()));
            assertThat(plan).as(plan).contains("messages_by_conversation").doesNotContain("Rows Removed");
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
