package dev.llmchat.store;

import static dev.llmchat.store.Mapping.CONVERSATION_COLUMNS;
import static dev.llmchat.store.Mapping.MESSAGE_COLUMNS;

import dev.llmchat.core.ConflictException;
import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.KeyedQuestion;
import dev.llmchat.core.MessageStatus;
import dev.llmchat.core.Message;
import dev.llmchat.core.NewMessage;
import dev.llmchat.core.NotFoundException;
import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.SearchHit;
import dev.llmchat.core.UserId;
import dev.llmchat.store.Cursors.Position;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementException;

/** Conversations and their messages. Writes that touch both tables run in one transaction. */
final class SqlConversations {
    /** Conversations strictly after the keyset position (:updatedAt, :id) in "most recent first" order. */
    // the leading "updated_at <=" gives the planner a range on the (user_id, updated_at, id) index; an OR alone does not
    private static final String OLDER_THAN = " AND c.updated_at <= :updatedAt AND (c.updated_at < :updatedAt OR c.id < :id)";
    private static final String AT_OR_OLDER_THAN = "user_id = :owner AND (updated_at < :updatedAt OR (updated_at = :updatedAt AND id <= :id))";
    private static final String LIKE_PATTERN = " LIKE lower(:pattern) ESCAPE '" + Search.ESCAPE + "'";
    private static final String MOST_RECENT_FIRST = " ORDER BY c.updated_at DESC, c.id DESC";

    private final Jdbi jdbi;
    private final Writes writes;
    private final DatabaseUrl.Kind kind;

    /**
     * FROM, WHERE and ORDER BY of a walk through one conversation's messages ({@code :id}) by the
     * (conversation_id, id) index: ids above {@code :after} ascending, or below {@code :before} descending.
     * <p>
     * The plain form, {@code conversation_id = (sub-select) AND id > :after ORDER BY id}, leaves the choice of
     * index to the planner, and where one conversation holds most of the messages and the planner has statistics,
     * it walks the primary key instead and filters: every row of the big conversation read to find the few of
     * a small one. Measured beside a conversation of 100,000 messages: a 6-message conversation's first page took
     * 14 ms on PostgreSQL (EXPLAIN ANALYZE) and 6.7 ms on SQLite 3.54 after ANALYZE, against 0.04 ms and 9 µs
     * by the index. So each database is held to the index its own way:
     * <ul>
     * <li>PostgreSQL has no hints: row comparisons, which its B-tree uses as exact bounds at both ends, and an
     *     ORDER BY on both columns, which only that index yields without a sort;</li>
     * <li>SQLite bounds only the first column of a row comparison (a deep page would walk the conversation from
     *     its end), so it keeps the equality and is told the index ({@code INDEXED BY});</li>
     * <li>MariaDB walks the index with the plain form as it is (its test reads the rows it touched); MySQL itself
     *     is not tested here.</li>
     * </ul>
     * The store contract test builds that skew on each database and reads the plans.
     */
    private final String forward;
    private final String backward;

    SqlConversations(Jdbi jdbi, Writes writes, DatabaseUrl.Kind kind) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.kind = kind;
        this.forward = walk(kind, true);
        this.backward = walk(kind, false);
    }

    /** See {@link #forward}. */
    static String walk(DatabaseUrl.Kind kind, boolean forward) {
        String conversation = "(SELECT id FROM conversations WHERE session_id = :id)";
        if (kind == DatabaseUrl.Kind.POSTGRESQL) {
            return forward
                    ? " FROM messages m WHERE (m.conversation_id, m.id) > (" + conversation + ", :after) AND m.conversation_id <= " + conversation
                            + " ORDER BY m.conversation_id, m.id"
                    : " FROM messages m WHERE (m.conversation_id, m.id) < (" + conversation + ", :before) AND m.conversation_id >= " + conversation
                            + " ORDER BY m.conversation_id DESC, m.id DESC";
        }
        String from = kind == DatabaseUrl.Kind.SQLITE ? " FROM messages m INDEXED BY messages_by_conversation" : " FROM messages m";
        return forward
                ? from + " WHERE m.conversation_id = " + conversation + " AND m.id > :after ORDER BY m.id"
                : from + " WHERE m.conversation_id = " + conversation + " AND m.id < :before ORDER BY m.id DESC";
    }

    Conversation create(ConversationId id, UserId owner, String title, String systemPrompt, Instant createdAt) {
        Instant at = Mapping.truncate(createdAt);
        try {
            writes.useHandle(h -> h.createUpdate("""
                            INSERT INTO conversations (session_id, user_id, title, system_prompt, created_at, updated_at, message_count)
                            VALUES (:id, :owner, :title, :systemPrompt, :at, :at, 0)""")
                    .bind("id", id).bind("owner", owner).bind("title", title).bind("systemPrompt", systemPrompt).bind("at", at)
                    .execute());
        } catch (StatementException e) {
            if (SqlErrors.isUniqueViolation(e)) throw new ConflictException("conversation_exists", "A conversation with that id already exists");
            if (SqlErrors.isForeignKeyViolation(e)) throw new NotFoundException("user_not_found", "User not found");
            throw e;
        }
        return new Conversation(id, owner, title, systemPrompt, at, at, 0);
    }

    Optional<Conversation> find(UserId owner, ConversationId id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + CONVERSATION_COLUMNS
                        + " FROM conversations c WHERE c.session_id = :id AND c.user_id = :owner")
                .bind("id", id).bind("owner", owner)
                .mapTo(Conversation.class).findOne());
    }

    Page<Conversation> list(UserId owner, PageRequest page) {
        Optional<Position> after = page.cursor().map(Cursors::position);
        String sql = "SELECT " + CONVERSATION_COLUMNS + " FROM conversations c WHERE c.user_id = :owner"
                + (after.isPresent() ? OLDER_THAN : "") + MOST_RECENT_FIRST + Paging.limit(page);
        List<Listed> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bind("owner", owner);
            after.ifPresent(p -> q.bind("updatedAt", p.updatedAt()).bind("id", p.id()));
            Paging.bindLimit(q, page);
            return q.map((rs, ctx) -> new Listed(rs.getLong("id"), Mapping.CONVERSATION.map(rs, ctx))).list();
        });
        return Paging.page(rows, page, Listed::conversation,
                last -> Cursors.encode(new Position(last.conversation().updatedAt().toEpochMilli(), last.rowId())));
    }

    List<SearchHit> search(UserId owner, String text, int limit) {
        requirePositive(limit);
        // The first matching message is looked up only for conversations whose title does not match; walking
        // conversations_by_activity in order lets the database stop after `limit` hits.
        String sql = "SELECT * FROM (SELECT " + CONVERSATION_COLUMNS + ","
                + "   CASE WHEN lower(c.title)" + LIKE_PATTERN + " THEN c.title"
                + "        ELSE (SELECT m.content FROM messages m WHERE m.conversation_id = c.id"
                + "              AND lower(m.content)" + LIKE_PATTERN + " ORDER BY m.id LIMIT 1)"
                + "   END AS matched"
                + " FROM conversations c WHERE c.user_id = :owner) c"
                + " WHERE c.matched IS NOT NULL" + MOST_RECENT_FIRST + " LIMIT :limit";
        return jdbi.withHandle(h -> h.createQuery(sql)
                .bind("owner", owner).bind("pattern", Search.containing(text)).bind("limit", limit)
                .map((rs, ctx) -> new SearchHit(Mapping.CONVERSATION.map(rs, ctx), Search.snippet(rs.getString("matched"), text)))
                .list());
    }

    boolean delete(UserId owner, ConversationId id) {
        return writes.inTransaction(h -> {
            h.createUpdate("DELETE FROM messages WHERE conversation_id IN"
                            + " (SELECT id FROM conversations WHERE session_id = :id AND user_id = :owner)")
                    .bind("id", id).bind("owner", owner).execute();
            return h.createUpdate("DELETE FROM conversations WHERE session_id = :id AND user_id = :owner")
                    .bind("id", id).bind("owner", owner).execute() > 0;
        });
    }

    int deleteOldest(UserId owner, int keep) {
        if (keep < 0) throw new IllegalArgumentException("keep must not be negative");
        // The common case, nobody over the limit, is one indexed read and no write lock.
        if (jdbi.withHandle(h -> firstBeyond(h, owner, keep)).isEmpty()) return 0;
        return writes.inTransaction(h -> {
            Optional<Position> boundary = firstBeyond(h, owner, keep);
            if (boundary.isEmpty()) return 0;
            Position p = boundary.get();
            h.createUpdate("DELETE FROM messages WHERE conversation_id IN (SELECT id FROM conversations WHERE " + AT_OR_OLDER_THAN + ")")
                    .bind("owner", owner).bind("updatedAt", p.updatedAt()).bind("id", p.id()).execute();
            return h.createUpdate("DELETE FROM conversations WHERE " + AT_OR_OLDER_THAN)
                    .bind("owner", owner).bind("updatedAt", p.updatedAt()).bind("id", p.id()).execute();
        });
    }

    Message append(ConversationId id, NewMessage message) {
        return writes.inTransaction(h -> append(h, id, message));
    }

    /**
     * Takes the turn lease and stores the question (and its idempotency key) in one transaction: one commit,
     * one fsync on SQLite, before the model is called; and a retried request can never store a second question.
     */
    Optional<Message> startTurn(ConversationId id, String turnId, Instant now, Instant expiresAt, NewMessage question, UserId owner, String key) {
        try {
            return writes.inTransaction(h -> {
                if (takeTurn(h, id, turnId, now, expiresAt) == 0) return Optional.<Message>empty();
                Message stored = append(h, id, question);
                if (!key.isEmpty()) {
                    long day = Duration.ofDays(1).toMillis();
                    h.createUpdate("DELETE FROM idempotency_keys WHERE user_id = :owner AND created_at < :before")
                            .bind("owner", owner).bind("before", stored.createdAt().toEpochMilli() - day).execute();
                    h.createUpdate("""
                                    INSERT INTO idempotency_keys (user_id, idem_key, conversation_id, message_id, created_at)
                                    SELECT :owner, :key, id, :message, :at FROM conversations WHERE session_id = :id""")
                            .bind("owner", owner).bind("key", key).bind("id", id).bind("message", stored.id()).bind("at", stored.createdAt())
                            .execute();
                }
                return Optional.of(stored);
            });
        } catch (StatementException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw new ConflictException("idempotency_key_reused", "This Idempotency-Key was already used for another message");
            }
            throw e;
        }
    }

    Optional<KeyedQuestion> findQuestion(UserId owner, String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT c.session_id, " + MESSAGE_COLUMNS
                        + " FROM idempotency_keys k JOIN conversations c ON c.id = k.conversation_id JOIN messages m ON m.id = k.message_id"
                        + " WHERE k.user_id = :owner AND k.idem_key = :key")
                .bind("owner", owner).bind("key", key)
                .map((rs, ctx) -> new KeyedQuestion(new ConversationId(rs.getString("session_id")),
                        ctx.findRowMapperFor(Message.class).orElseThrow().map(rs, ctx)))
                .findOne());
    }

    Optional<Message> next(ConversationId id, long messageId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + MESSAGE_COLUMNS
                        + forward + " LIMIT 1")
                .bind("id", id).bind("after", messageId).mapTo(Message.class).findOne());
    }

    void update(ConversationId id, long messageId, String content, MessageStatus status, int promptTokens, int completionTokens) {
        writes.useHandle(h -> update(h, id, messageId, content, status, promptTokens, completionTokens));
    }

    private static void update(Handle h, ConversationId id, long messageId, String content, MessageStatus status, int promptTokens, int completionTokens) {
        h.createUpdate("""
                        UPDATE messages SET content = :content, status = :status, prompt_tokens = :promptTokens, completion_tokens = :completionTokens
                        WHERE id = :message AND conversation_id IN (SELECT id FROM conversations WHERE session_id = :id)""")
                .bind("content", content).bind("status", status).bind("promptTokens", promptTokens)
                .bind("completionTokens", completionTokens).bind("message", messageId).bind("id", id).execute();
    }

    int interruptOrphans(Instant now) {
        return writes.withHandle(h -> h.createUpdate("""
                        UPDATE messages SET status = :interrupted
                        WHERE status = :streaming AND conversation_id IN
                            (SELECT id FROM conversations WHERE turn_id IS NULL OR turn_expires_at <= :now)""")
                .bind("interrupted", MessageStatus.INTERRUPTED).bind("streaming", MessageStatus.STREAMING).bind("now", now).execute());
    }

    private Message append(Handle h, ConversationId id, NewMessage message) {
        Instant at = Mapping.truncate(message.createdAt());
        // Counter first: it locks the conversation row (on databases with row locks) and tells whether it exists.
        int touched = h.createUpdate("""
                        UPDATE conversations
                        SET message_count = message_count + 1,
                            updated_at = CASE WHEN updated_at < :at THEN :at ELSE updated_at END
                        WHERE session_id = :id""")
                .bind("id", id).bind("at", at).execute();
        if (touched == 0) throw NotFoundException.conversation();
        long messageId = InsertedId.insert(h, kind, """
                        INSERT INTO messages (conversation_id, role, content, status, created_at, prompt_tokens, completion_tokens)
                        SELECT id, :role, :content, :status, :at, :promptTokens, :completionTokens
                        FROM conversations WHERE session_id = :id""",
                s -> s.bind("id", id).bind("role", message.role()).bind("content", message.content())
                        .bind("status", message.status()).bind("at", at)
                        .bind("promptTokens", message.promptTokens()).bind("completionTokens", message.completionTokens()));
        return new Message(messageId, message.role(), message.content(), message.status(), at);
    }

    Page<Message> history(ConversationId id, PageRequest page) {
        long after = page.cursor().map(Cursors::messageId).orElse(Long.MIN_VALUE);
        String sql = "SELECT " + MESSAGE_COLUMNS + forward + Paging.limit(page);
        List<Message> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery(sql).bind("id", id).bind("after", after);
            Paging.bindLimit(q, page);
            return q.mapTo(Message.class).list();
        });
        return Paging.page(rows, page, Function.identity(), last -> Cursors.encode(last.id()));
    }

    List<Message> recent(ConversationId id, long beforeId, int limit) {
        requirePositive(limit);
        return jdbi.withHandle(h -> h.createQuery("SELECT " + MESSAGE_COLUMNS
                        + backward + " LIMIT :limit")
                .bind("id", id).bind("before", beforeId).bind("limit", limit)
                .mapTo(Message.class).list());
    }

    /** One conditional UPDATE: the row lock decides between racing servers, and the loser's WHERE no longer matches. */
    boolean beginTurn(ConversationId id, String turnId, Instant now, Instant expiresAt) {
        return writes.withHandle(h -> takeTurn(h, id, turnId, now, expiresAt)) > 0;
    }

    boolean renewTurn(ConversationId id, String turnId, Instant expiresAt) {
        return writes.withHandle(h -> h.createUpdate("UPDATE conversations SET turn_expires_at = :expiresAt WHERE session_id = :id AND turn_id = :turn")
                .bind("id", id).bind("turn", turnId).bind("expiresAt", expiresAt).execute()) > 0;
    }

    private static int takeTurn(Handle h, ConversationId id, String turnId, Instant now, Instant expiresAt) {
        return h.createUpdate("""
                        UPDATE conversations SET turn_id = :turn, turn_expires_at = :expiresAt
                        WHERE session_id = :id AND (turn_id IS NULL OR turn_id = :turn OR turn_expires_at <= :now)""")
                .bind("id", id).bind("turn", turnId).bind("now", now).bind("expiresAt", expiresAt).execute();
    }

    void endTurn(ConversationId id, String turnId) {
        writes.useHandle(h -> endTurn(h, id, turnId));
    }

    /** The reply and the release in one transaction: one commit at the end of every turn. */
    Message finishTurn(ConversationId id, String turnId, long replyId, NewMessage reply) {
        return writes.inTransaction(h -> {
            Message stored;
            if (replyId == 0) {
                stored = append(h, id, reply);
            } else {
                update(h, id, replyId, reply.content(), reply.status(), reply.promptTokens(), reply.completionTokens());
                stored = new Message(replyId, reply.role(), reply.content(), reply.status(), Mapping.truncate(reply.createdAt()));
            }
            endTurn(h, id, turnId);
            return stored;
        });
    }

    private static void endTurn(Handle h, ConversationId id, String turnId) {
        h.createUpdate("UPDATE conversations SET turn_id = NULL, turn_expires_at = NULL WHERE session_id = :id AND turn_id = :turn")
                .bind("id", id).bind("turn", turnId).execute();
    }

    boolean retitle(ConversationId id, String expected, String title) {
        return writes.withHandle(h -> h.createUpdate("UPDATE conversations SET title = :title WHERE session_id = :id AND title = :expected")
                .bind("id", id).bind("expected", expected).bind("title", title).execute() > 0);
    }

    /** A listed conversation with its row id, the tie-breaker of the keyset. */
    private record Listed(long rowId, Conversation conversation) {
    }

    /** The position of the owner's most recent conversation after the first {@code keep}, if there is one. */
    private static Optional<Position> firstBeyond(Handle h, UserId owner, int keep) {
        return h.createQuery("SELECT c.updated_at, c.id FROM conversations c WHERE c.user_id = :owner"
                        + MOST_RECENT_FIRST + " LIMIT 1 OFFSET :keep")
                .bind("owner", owner).bind("keep", keep)
                .map((rs, ctx) -> new Position(rs.getLong("updated_at"), rs.getLong("id")))
                .findOne();
    }

    private static void requirePositive(int limit) {
        if (limit < 1) throw new IllegalArgumentException("limit must be positive");
    }
}
