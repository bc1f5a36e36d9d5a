package dev.llmchat.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The port to stored conversations and their messages. Methods that take only a
 * {@link ConversationId} assume the caller already checked ownership with {@link #find}.
 * Implementations are thread-safe.
 */
public interface ConversationStore {
    /** Stores a new conversation with no messages; its activity time is {@code createdAt}. */
    Conversation create(ConversationId id, UserId owner, String title, String systemPrompt, Instant createdAt);

    /** The conversation if it exists and belongs to {@code owner}. */
    Optional<Conversation> find(UserId owner, ConversationId id);

    /** The owner's conversations, most recent activity first. */
    Page<Conversation> list(UserId owner, PageRequest page);

    /** Conversations of {@code owner} whose title or messages contain {@code text} (case-insensitive), most recent first. */
    List<SearchHit> search(UserId owner, String text, int limit);

    /** Deletes the conversation and its messages; false when it did not exist or is not the owner's. */
    boolean delete(UserId owner, ConversationId id);

    /** Deletes the owner's conversations beyond the {@code keep} most recently active ones; returns how many went. */
    int deleteOldest(UserId owner, int keep);

    /** Appends a message, counting it and making {@code message.createdAt()} the conversation's activity time. */
    Message append(ConversationId id, NewMessage message);

    /**
     * Starts a turn with its question in one transaction: takes the turn as {@link #beginTurn} does, appends
     * the question and, when {@code key} is not empty, records that the owner's idempotency key produced it.
     * Empty, with nothing stored, when another turn holds the conversation.
     * @throws ConflictException ({@code idempotency_key_reused}) when the key is already recorded
     */
    Optional<Message> startTurn(ConversationId id, String turnId, Instant now, Instant expiresAt, NewMessage question, UserId owner, String key);

    /** The conversation and question an owner's idempotency key produced, if it did (keys are kept for a day). */
    Optional<KeyedQuestion> findQuestion(UserId owner, String key);

    /** The first message after {@code messageId} in the conversation (a question's reply). */
    Optional<Message> next(ConversationId id, long messageId);

    /** Rewrites a stored message: a streamed reply's text so far, then its final text and status. */
    void update(ConversationId id, long messageId, String content, MessageStatus status, int promptTokens, int completionTokens);

    /**
     * Marks replies left {@code STREAMING} as {@code INTERRUPTED} where no live turn holds their conversation
     * (the server writing them died); returns how many.
     */
    int interruptOrphans(Instant now);

    /** The messages oldest first. */
    Page<Message> history(ConversationId id, PageRequest page);

    /** Up to {@code limit} messages with an id below {@code beforeId}, newest first (for building prompts). */
    List<Message> recent(ConversationId id, long beforeId, int limit);

    /**
     * Marks a turn as running in the conversation, unless another turn holds it and has not expired;
     * returns whether {@code turnId} got it (calling it again with the same turn renews the lease). Atomic across every server sharing the database, so turns
     * of one conversation never interleave. {@code expiresAt} frees a conversation whose server died.
     */
    boolean beginTurn(ConversationId id, String turnId, Instant now, Instant expiresAt);

    /** Extends the lease of {@code turnId} if it still holds the conversation; never takes a free one. */
    boolean renewTurn(ConversationId id, String turnId, Instant expiresAt);

    /** Frees the conversation if {@code turnId} still holds it. */
    void endTurn(ConversationId id, String turnId);

    /**
     * Ends a turn with its final reply: appends {@code reply} when {@code replyId} is 0, else rewrites that
     * message with it, then frees the conversation as {@link #endTurn} does. Stores that can should do both in
     * one transaction (one commit where every commit costs an fsync); this default does one after the other.
     * @return the stored reply
     */
    default Message finishTurn(ConversationId id, String turnId, long replyId, NewMessage reply) {
        Message stored;
        if (replyId == 0) {
            stored = append(id, reply);
        } else {
            update(id, replyId, reply.content(), reply.status(), reply.promptTokens(), reply.completionTokens());
            stored = new Message(replyId, reply.role(), reply.content(), reply.status(), reply.createdAt());
        }
        endTurn(id, turnId);
        return stored;
    }

    /** Sets the title only if it still is {@code expected} (so a title the user chose meanwhile is kept). */
    boolean retitle(ConversationId id, String expected, String title);
}
