package dev.llmchat.core;

import java.time.Instant;
import dev.llmchat.core.ContextWindow.Counted;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The latest messages of recently active conversations, so that a turn reads from the store only what was
 * added since the last one instead of its whole recent history.
 *
 * <p>Safe across servers sharing a database because it trusts nothing it cannot check: messages are only
 * ever appended (a conversation loses messages only by being deleted whole), a message's text changes only
 * while it is {@code STREAMING} (such messages are never kept), and the conversation's stored message count
 * says how many were added since. The newest {@code added + 1} messages are read and the oldest of them must
 * be the newest one kept; otherwise (a message arrived between the two reads, the conversation was replaced)
 * the whole page is read again.
 */
final class RecentHistory {
    /** Messages kept of one conversation at most: enough for the context windows of today's models. */
    static final int MAX_KEPT = 2_000;

    private final ConversationStore store;
    private final ContextWindow window;
    private final int page;
    private final long maxChars;
    private final ConcurrentHashMap<ConversationId, Tail> tails = new ConcurrentHashMap<>();
    private final AtomicLong chars = new AtomicLong();

    /**
     * What is kept of one conversation: the newest messages (newest first, counted for the prompt, never changed
     * after), all final, the count they end at and their length in characters.
     */
    private record Tail(Instant created, long count, List<Counted> newestFirst, long chars) {
        long newestId() {
            return newestFirst.getFirst().message().id();
        }

        long oldestId() {
            return newestFirst.getLast().message().id();
        }
    }

    /**
     * @param window   counts each message once, when it is first kept
     * @param page     how many messages a read returns at most ({@link ContextWindow#PAGE})
     * @param maxChars the text kept for all conversations together; past it, everything is dropped and refilled
     */
    RecentHistory(ConversationStore store, ContextWindow window, int page, long maxChars) {
        this.store = store;
        this.window = window;
        this.page = page;
        this.maxChars = maxChars;
    }

    /**
     * The conversation's latest messages, newest first: what {@code store.recent(id, Long.MAX_VALUE, n)} returns
     * for some {@code n} of at least {@code page} (all that is kept), as of {@code c}'s message count or later.
     */
    List<Counted> latest(Conversation c) {
        Tail kept = kept(c);
        long added = kept == null ? -1 : c.messageCount() - kept.count;
        // nothing added since: what is kept is the newest (messages are only appended, and a kept count never runs ahead)
        if (added == 0) return kept.newestFirst;
        if (added > 0 && added < page) {
            List<Message> fresh = store.recent(c.id(), Long.MAX_VALUE, (int) added + 1);
            if (fresh.size() == added + 1 && fresh.getLast().id() == kept.newestId()) {
                return inFront(c, kept, fresh.subList(0, (int) added));
            }
        }
        List<Counted> read = window.count(store.recent(c.id(), Long.MAX_VALUE, page));
        Tail old = tails.get(c.id());
        return keep(c, old, c.messageCount(), read, length(read));
    }

    /**
     * Keeps what a turn of this server stored, its question and ({@code null} if none was stored) its reply, so the
     * next turn reads nothing: only when what is kept ends at {@code c}'s message count, the count the turn's prompt
     * was built from. The two are then counted as messages {@code count + 1} and {@code + 2}; if another server's turn
     * came in between, the stored count is higher still and the next turn's read finds the difference.
     */
    void appended(Conversation c, Message question, Message reply) {
        Tail kept = kept(c);
        if (kept == null || kept.count != c.messageCount() || kept.newestId() >= question.id()) return;
        if (question.status() == MessageStatus.STREAMING || reply != null && (reply.status() == MessageStatus.STREAMING || reply.id() <= question.id())) return;
        inFront(c, kept, reply == null ? List.of(question) : List.of(reply, question));
    }

    /**
     * Up to {@code page} messages before {@code before}, newest first, as {@code store.recent} returns them; when
     * they continue what is kept (a long conversation whose prompt reaches further back), they are kept too.
     */
    List<Counted> older(Conversation c, long before) {
        Tail kept = kept(c);
        boolean continues = kept != null && kept.oldestId() == before;
        // what is kept holds every message of the conversation: there is nothing before it to read (asking would
        // cost an index walk past the conversation's first message, which on PostgreSQL can mean other conversations' rows)
        if (continues && kept.newestFirst.size() == kept.count) return List.of();
        List<Counted> read = window.count(store.recent(c.id(), before, page));
        if (!continues || kept.newestFirst.size() >= MAX_KEPT) return read;
        List<Counted> longer = new ArrayList<>(kept.newestFirst.size() + read.size());
        longer.addAll(kept.newestFirst);
        long size = kept.chars;
        for (Counted m : read) {
            // an old reply still STREAMING (its server died) may yet change: nothing from it on is kept
            if (longer.size() == MAX_KEPT || m.message().status() == MessageStatus.STREAMING) break;
            longer.add(m);
            size += m.message().content().length();
        }
        keep(c, kept, kept.count, longer, size);
        return read;
    }

    /** What is kept of {@code c}, unless the conversation was replaced since (or nothing is). */
    private Tail kept(Conversation c) {
        Tail kept = tails.get(c.id());
        return kept != null && kept.created.equals(c.createdAt()) ? kept : null;
    }

    /** Keeps {@code added} (newest first, right after what is kept) in front of what is kept, up to {@link #MAX_KEPT}. */
    private List<Counted> inFront(Conversation c, Tail kept, List<Message> added) {
        int still = Math.min(kept.newestFirst.size(), MAX_KEPT - added.size());
        List<Counted> merged = new ArrayList<>(added.size() + still);
        long size = kept.chars;
        for (Message m : added) {
            merged.add(window.count(m));
            size += m.content().length();
        }
        merged.addAll(kept.newestFirst.subList(0, still));
        for (Counted gone : kept.newestFirst.subList(still, kept.newestFirst.size())) size -= gone.message().content().length();
        return keep(c, kept, kept.count + added.size(), merged, size);
    }

    /**
     * Keeps the final messages of {@code newestFirst} ({@code size} characters), which ends at message number
     * {@code count}; returns {@code newestFirst}, unmodifiable.
     */
    private List<Counted> keep(Conversation c, Tail old, long count, List<Counted> newestFirst, long size) {
        List<Counted> all = Collections.unmodifiableList(newestFirst);
        int skip = 0;
        while (skip < all.size() && all.get(skip).message().status() == MessageStatus.STREAMING) {
            size -= all.get(skip).message().content().length();
            skip++;
        }
        if (skip == all.size()) {
            forget(c.id(), old);
            return all;
        }
        Tail tail = new Tail(c.createdAt(), count - skip, all.subList(skip, all.size()), size);
        boolean replaced = old == null ? tails.putIfAbsent(c.id(), tail) == null : tails.replace(c.id(), old, tail);
        if (replaced && chars.addAndGet(size - (old == null ? 0 : old.chars)) > maxChars) {
            tails.clear();
            chars.set(0);
        }
        return all;
    }

    private static long length(List<Counted> messages) {
        long size = 0;
        for (Counted m : messages) size += m.message().content().length();
        return size;
    }

    private void forget(ConversationId id, Tail old) {
        if (old != null && tails.remove(id, old)) chars.addAndGet(-old.chars);
    }
}
