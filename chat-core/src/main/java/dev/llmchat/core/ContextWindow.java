package dev.llmchat.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Builds the prompt for one turn so that it fits the model's context window: system prompt, then as
 * many of the latest turns as fit, then the new message. Older turns are left out of the prompt
 * (never out of storage). Token counts are estimates, so 5% of the window is kept as a margin; the
 * reply may use at most half the window, and what the prompt leaves of the rest caps {@code max_tokens}.
 */
final class ContextWindow {
    static final int PER_MESSAGE = 4;
    static final int REPLY_PRIMING = 3;
    static final int PAGE = 200;

    record Prompt(List<ChatMessage> messages, int promptTokens, int maxTokens, int historyIncluded) {
    }

    /** A stored message and what it costs in a prompt (its tokens and the per-message overhead; 0 if never sent). */
    record Counted(Message message, int tokens) {
    }

    private static final int CACHE_LIMIT = 200_000;
    private final TokenCounter counter;
    /** Token counts of stored messages by id, with the length they were counted at (a growing reply is counted again). */
    private final java.util.concurrent.ConcurrentHashMap<Long, Long> counted = new java.util.concurrent.ConcurrentHashMap<>();

    ContextWindow(TokenCounter counter) {
        this.counter = counter;
    }

    Counted count(Message m) {
        return new Counted(m, sent(m) ? cost(m) : 0);
    }

    List<Counted> count(List<Message> newestFirst) {
        List<Counted> counted = new ArrayList<>(newestFirst.size());
        for (Message m : newestFirst) counted.add(count(m));
        return counted;
    }

    /** Whether a stored message goes into prompts at all. */
    private static boolean sent(Message m) {
        return m.role() != Role.SYSTEM && !m.content().isEmpty();
    }

    /** Counting is most of a turn's CPU, and history is mostly the same from one turn to the next. */
    private int cost(Message m) {
        Long known = counted.get(m.id());
        int length = m.content().length();
        if (known != null && (int) (known >>> 32) == length) return (int) (long) known;
        int tokens = cost(m.content());
        if (counted.size() >= CACHE_LIMIT) counted.clear();
        counted.put(m.id(), ((long) length << 32) | tokens);
        return tokens;
    }

    /**
     * @param olderThan given a message id ({@code Long.MAX_VALUE} for the latest), returns earlier messages,
     *                  newest first, {@linkplain #count counted}: at least {@link #PAGE} unless there are no more
     */
    Prompt build(int contextWindow, int maxTokens, String systemPrompt, LongFunction<List<Counted>> olderThan, String newMessage) {
        int margin = Math.max(16, contextWindow / 20);
        int replyReserve = Math.min(maxTokens, contextWindow / 2);
        int budget = contextWindow - margin - replyReserve - REPLY_PRIMING;
        int used = (systemPrompt.isEmpty() ? 0 : cost(systemPrompt)) + cost(newMessage);
        if (used > budget) {
            throw new InvalidInputException("context_length_exceeded",
                    "The message is too long for this model: about " + used + " tokens, but its context window leaves room for "
                            + Math.max(0, budget) + ". Shorten the message or choose a model with a larger context window.");
        }
        List<Counted> kept = new ArrayList<>();
        long before = Long.MAX_VALUE;
        fill:
        while (true) {
            List<Counted> page = olderThan.apply(before);
            for (Counted c : page) {
                before = c.message().id();
                if (!sent(c.message())) continue;
                if (used + c.tokens() > budget) break fill;
                used += c.tokens();
                kept.add(c);
            }
            if (page.size() < PAGE) break;
        }
        // a reply whose question no longer fits would open the prompt with an answer to nothing
        while (!kept.isEmpty() && kept.getLast().message().role() == Role.ASSISTANT) {
            used -= kept.removeLast().tokens();
        }
        List<ChatMessage> messages = new ArrayList<>(kept.size() + 2);
        if (!systemPrompt.isEmpty()) messages.add(new ChatMessage(Role.SYSTEM, systemPrompt));
        for (int i = kept.size() - 1; i >= 0; i--) {
            Message m = kept.get(i).message();
            messages.add(new ChatMessage(m.role(), m.content()));
        }
        messages.add(new ChatMessage(Role.USER, newMessage));
        int promptTokens = used + REPLY_PRIMING;
        int replyTokens = Math.max(1, Math.min(maxTokens, contextWindow - margin - promptTokens));
        return new Prompt(messages, promptTokens, replyTokens, kept.size());
    }

    private int cost(String text) {
        return counter.count(text) + PER_MESSAGE;
    }
}
