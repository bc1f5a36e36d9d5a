package dev.llmchat.core;

import java.util.ArrayList;
import java.util.Collections;
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

    private final TokenCounter counter;

    ContextWindow(TokenCounter counter) {
        this.counter = counter;
    }

    /**
     * @param olderThan given a message id, returns up to {@link #PAGE} earlier messages, newest first
     *                  ({@code Long.MAX_VALUE} for the latest)
     */
    Prompt build(int contextWindow, int maxTokens, String systemPrompt, LongFunction<List<Message>> olderThan, String newMessage) {
        int margin = Math.max(16, contextWindow / 20);
        int replyReserve = Math.min(maxTokens, contextWindow / 2);
        int budget = contextWindow - margin - replyReserve - REPLY_PRIMING;
        int used = (systemPrompt.isEmpty() ? 0 : cost(systemPrompt)) + cost(newMessage);
        if (used > budget) {
            throw new InvalidInputException("context_length_exceeded",
                    "The message is too long for this model: about " + used + " tokens, but its context window leaves room for "
                            + Math.max(0, budget) + ". Shorten the message or choose a model with a larger context window.");
        }
        List<Message> kept = new ArrayList<>();
        long before = Long.MAX_VALUE;
        fill:
        while (true) {
            List<Message> page = olderThan.apply(before);
            for (Message m : page) {
                before = m.id();
                if (m.role() == Role.SYSTEM || m.content().isEmpty()) continue;
                int c = cost(m.content());
                if (used + c > budget) break fill;
                used += c;
                kept.add(m);
            }
            if (page.size() < PAGE) break;
        }
        // a reply whose question no longer fits would open the prompt with an answer to nothing
        while (!kept.isEmpty() && kept.get(kept.size() - 1).role() == Role.ASSISTANT) {
            used -= cost(kept.remove(kept.size() - 1).content());
        }
        Collections.reverse(kept);
        List<ChatMessage> messages = new ArrayList<>(kept.size() + 2);
        if (!systemPrompt.isEmpty()) messages.add(new ChatMessage(Role.SYSTEM, systemPrompt));
        for (Message m : kept) messages.add(new ChatMessage(m.role(), m.content()));
        messages.add(new ChatMessage(Role.USER, newMessage));
        int promptTokens = used + REPLY_PRIMING;
        int replyTokens = Math.max(1, Math.min(maxTokens, contextWindow - margin - promptTokens));
        return new Prompt(messages, promptTokens, replyTokens, kept.size());
    }

    private int cost(String text) {
        return counter.count(text) + PER_MESSAGE;
    }
}
