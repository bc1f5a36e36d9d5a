package dev.llmchat.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContextWindowTest {
    /** One token per word keeps the arithmetic of these tests readable. */
    private final ContextWindow window = new ContextWindow(text -> text.isBlank() ? 0 : text.strip().split("\\s+").length);

    private static List<Message> conversation(int turns, int wordsPerMessage) {
        List<Message> messages = new ArrayList<>();
        long id = 1;
        for (int t = 0; t < turns; t++) {
            messages.add(new Message(id++, Role.USER, "q" + t + " " + "w ".repeat(wordsPerMessage - 1), MessageStatus.COMPLETE, Instant.EPOCH));
            messages.add(new Message(id++, Role.ASSISTANT, "a" + t + " " + "w ".repeat(wordsPerMessage - 1), MessageStatus.COMPLETE, Instant.EPOCH));
        }
        return messages;
    }

    /** Serves the stored messages the way the store does: pages of older messages, newest first, counted by {@link #window}. */
    private java.util.function.LongFunction<List<ContextWindow.Counted>> pages(List<Message> stored) {
        return pages(window, stored);
    }

    private static java.util.function.LongFunction<List<ContextWindow.Counted>> pages(ContextWindow window, List<Message> stored) {
        return before -> window.count(stored.stream().filter(m -> m.id() < before).sorted(Comparator.comparingLong(Message::id).reversed())
                .limit(ContextWindow.PAGE).toList());
    }

    @Test
    void everything_fits_in_a_large_window() {
        List<Message> stored = conversation(3, 10);

        ContextWindow.Prompt p = window.build(100_000, 1000, "be nice", pages(stored), "new question");

        assertThat(p.messages()).hasSize(1 + 6 + 1);
        assertThat(p.messages().get(0)).isEqualTo(new ChatMessage(Role.SYSTEM, "be nice"));
        assertThat(p.messages().get(1).content()).startsWith("q0");
        assertThat(p.messages().get(7)).isEqualTo(new ChatMessage(Role.USER, "new question"));
        assertThat(p.maxTokens()).isEqualTo(1000);
    }

    @Test
    void the_oldest_turns_are_left_out_when_the_history_does_not_fit() {
        List<Message> stored = conversation(10, 20);

        // window 400: margin 20, reply reserve 200, priming 3 -> 177 for the prompt; the new message costs 6
        ContextWindow.Prompt p = window.build(400, 1000, "", pages(stored), "the new question");

        List<String> firstWords = p.messages().stream().map(m -> m.content().split(" ")[0]).toList();
        assertThat(firstWords).containsExactly("q7", "a7", "q8", "a8", "q9", "a9", "the");
        assertThat(p.promptTokens()).isLessThanOrEqualTo(177 + 3);
        assertThat(p.promptTokens() + p.maxTokens()).isLessThanOrEqualTo(400 - 20);
    }

    @Test
    void the_prompt_never_starts_with_an_answer_whose_question_was_left_out() {
        List<Message> stored = conversation(3, 20);

        // window 100, reply 40: 41 tokens for the prompt, 36 after the new message: room for the newest
        // answer (24) but not also its question (24), so the answer goes too
        ContextWindow.Prompt p = window.build(100, 40, "", pages(stored), "q");

        assertThat(p.messages()).extracting(ChatMessage::role).containsExactly(Role.USER);
    }

    @Test
    void history_longer_than_one_page_is_read_page_by_page() {
        List<Message> stored = conversation(300, 1);

        ContextWindow.Prompt p = window.build(1_000_000, 10, "", pages(stored), "q");

        assertThat(p.historyIncluded()).isEqualTo(600);
    }

    @Test
    void a_message_too_long_for_the_window_is_refused() {
        assertThatThrownBy(() -> window.build(300, 100, "", pages(List.<Message>of()), "w ".repeat(500)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("too long for this model");
    }

    @Test
    void max_tokens_is_capped_to_what_the_prompt_leaves_free() {
        ContextWindow.Prompt p = window.build(1000, 100_000, "", pages(List.of()), "hello");

        assertThat(p.maxTokens()).isEqualTo(1000 - 50 - p.promptTokens());
    }

    @Test
    void stored_messages_are_counted_once_across_turns_unless_their_text_changed() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        ContextWindow counting = new ContextWindow(text -> {
            calls.incrementAndGet();
            return text.length();
        });
        List<Message> stored = conversation(5, 3);
        counting.build(100_000, 10, "", pages(counting, stored), "q");
        int first = calls.get();

        counting.build(100_000, 10, "", pages(counting, stored), "q");

        assertThat(first).isEqualTo(11);
        assertThat(calls.get() - first).as("only the new message is counted again").isEqualTo(1);
        List<Message> grown = new ArrayList<>(stored);
        Message last = grown.remove(grown.size() - 1);
        grown.add(new Message(last.id(), last.role(), last.content() + " more", last.status(), last.createdAt()));
        counting.build(100_000, 10, "", pages(counting, grown), "q");
        assertThat(calls.get() - first).isEqualTo(3);
    }

    @Test
    void the_default_tokenizer_counts_chinese_and_english() {
        TokenCounter counter = new JtokkitTokenCounter();

        assertThat(counter.count("hello world")).isEqualTo(2);
        assertThat(counter.count("你好，世界")).isBetween(3, 8);
    }
}
