package dev.llmchat.core;

import java.time.Instant;
import java.util.ArrayList;
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
    private final int page;
    private final long maxChars;
    private final ConcurrentHashMap<ConversationId, Tail> tails = new ConcurrentHashMap<>();
    private final AtomicLong chars = new AtomicLong();

    /** What is kept of one conversation: the newest messages (newest first), all final, and the count they end at. */
    private record Tail(Instant created, long count, List<Message> newestFirst, long chars) {
        long newestId() {
            return newestFirst.getFirst().id();
        }
    }

    /**
     * @param page     how many messages a read returns at most ({@link ContextWindow#PAGE})
     * @param maxChars the text kept for all conversations together; past it, everything is dropped and refilled
     */
    RecentHistory(ConversationStore store, int page, long maxChars) {
        this.store = store;
        this.page = page;
        this.maxChars = maxChars;
    }

    /**
     * The conversation's latest messages, newest first: what {@code store.recent(id, Long.MAX_VALUE, n)} returns
     * for some {@code n} of at least {@code page} (all that is kept), as of {@code c}'s message count or later.
     */
    List<Message> latest(Conversation c) {
        Tail kept = tails.get(c.id());
        long added = kept == null ? -1 : c.messageCount() - kept.count;
        if (kept != null && kept.created.equals(c.createdAt()) && added >= 0 && added < page) {
            List<Message> fresh = store.recent(c.id(), Long.MAX_VALUE, (int) added + 1);
            if (fresh.size() == added + 1 && fresh.getLast().id() == kept.newestId()) {
                List<Message> merged = new ArrayList<>((int) added + kept.newestFirst.size());
                merged.addAll(fresh.subList(0, (int) added));
                for (Message m : kept.newestFirst) {
                    if (merged.size() == MAX_KEPT) break;
                    merged.add(m);
                }
                keep(c, kept, kept.count + added, merged);
                return merged;
            }
        }
        List<Message> read = store.recent(c.id(), Long.MAX_VALUE, page);
        keep(c, kept, c.messageCount(), read);
        return read;
    }

    /**
     * Up to {@code page} messages before {@code before}, newest first, as {@code store.recent} returns them; when
     * they continue what is kept (a long conversation whose prompt reaches further back), they are kept too.
     */
    List<Message> older(Conversation c, long before) {
        List<Message> read = store.recent(c.id(), before, page);
        Tail kept = tails.get(c.id());
        if (kept == null || !kept.created.equals(c.createdAt()) || kept.newestFirst.getLast().id() != before
                || kept.newestFirst.size() >= MAX_KEPT) {
            return read;
        }
        List<Message> longer = new ArrayList<>(kept.newestFirst.size() + read.size());
        longer.addAll(kept.newestFirst);
        for (Message m : read) {
            // an old reply still STREAMING (its server died) may yet change: nothing from it on is kept
            if (longer.size() == MAX_KEPT || m.status() == MessageStatus.STREAMING) break;
            longer.add(m);
        }
        keep(c, kept, kept.count, longer);
        return read;
    }

    /** Keeps the final messages of {@code newestFirst}, which ends at message number {@code count}. */
    private void keep(Conversation c, Tail old, long count, List<Message> newestFirst) {
        int skip = 0;
        while (skip < newestFirst.size() && newestFirst.get(skip).status() == MessageStatus.STREAMING) skip++;
        if (skip == newestFirst.size()) {
            forget(c.id(), old);
            return;
        }
        List<Message> stable = List.copyOf(newestFirst.subList(skip, newestFirst.size()));
        long size = 0;
        for (Message m : stable) size += m.content().length();
        Tail tail = new Tail(c.createdAt(), count - skip, stable, size);
        boolean replaced = old == null ? tails.putIfAbsent(c.id(), tail) == null : tails.replace(c.id(), old, tail);
        if (!replaced) return;
        if (chars.addAndGet(size - (old == null ? 0 : old.chars)) > maxChars) {
            tails.clear();
            chars.set(0);
        }
    }

    private void forget(ConversationId id, Tail old) {
        if (old != null && tails.remove(id, old)) chars.addAndGet(-old.chars);
    }
}
