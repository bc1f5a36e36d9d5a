package dev.llmchat.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RecentHistoryTest {
    private static final ConversationId ID = new ConversationId("c");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final List<Message> stored = new ArrayList<>();
    private final AtomicInteger counted = new AtomicInteger();
    private final AtomicInteger rowsRead = new AtomicInteger();
    private final ContextWindow window = new ContextWindow(text -> {
        counted.incrementAndGet();
        return text.length();
    });
    private final RecentHistory history = new RecentHistory(store(), window, 50, 1_000_000);

    /** A store that only answers {@code recent}, from {@link #stored}, newest first. */
    private ConversationStore store() {
        return (ConversationStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ConversationStore.class}, (proxy, method, args) -> {
            if (!method.getName().equals("recent")) throw new UnsupportedOperationException(method.getName());
            long before = (Long) args[1];
            int limit = (Integer) args[2];
            List<Message> page = new ArrayList<>();
            for (int i = stored.size() - 1; i >= 0 && page.size() < limit; i--) {
                if (stored.get(i).id() < before) page.add(stored.get(i));
            }
            rowsRead.addAndGet(page.size());
            return page;
        });
    }

    private void add(int n) {
        for (int i = 0; i < n; i++) {
            long id = stored.size() + 1;
            stored.add(new Message(id, id % 2 == 1 ? Role.USER : Role.ASSISTANT, "message " + id, MessageStatus.COMPLETE, T0));
        }
    }

    private Conversation conversation() {
        return new Conversation(ID, new UserId(1), "t", "", T0, T0, stored.size());
    }

    private static List<Long> ids(List<ContextWindow.Counted> page) {
        return page.stream().map(c -> c.message().id()).toList();
    }

    private List<Long> newestIds(int n) {
        List<Long> ids = new ArrayList<>();
        for (int i = stored.size() - 1; i >= 0 && ids.size() < n; i--) ids.add(stored.get(i).id());
        return ids;
    }

    @Test
    void a_turn_reads_and_counts_only_the_messages_added_since_the_last_one() {
        add(120);
        List<ContextWindow.Counted> first = history.latest(conversation());
        assertThat(ids(first)).isEqualTo(newestIds(50));
        assertThat(counted.get()).isEqualTo(50);

        add(2);
        counted.set(0);
        rowsRead.set(0);
        List<ContextWindow.Counted> second = history.latest(conversation());

        assertThat(ids(second)).isEqualTo(newestIds(52));
        assertThat(counted.get()).as("messages counted").isEqualTo(2);
        assertThat(rowsRead.get()).as("rows read: the two new ones and the newest kept, as the check").isEqualTo(3);
        assertThat(second.get(0).tokens()).isEqualTo("message 122".length() + ContextWindow.PER_MESSAGE);
    }

    @Test
    void what_the_prompt_reads_further_back_is_kept_and_not_counted_again() {
        add(300);
        Conversation c = conversation();
        List<ContextWindow.Counted> latest = history.latest(c);
        history.older(c, latest.getLast().message().id());
        assertThat(counted.get()).isEqualTo(100);

        add(2);
        counted.set(0);
        List<ContextWindow.Counted> next = history.latest(conversation());

        assertThat(ids(next)).isEqualTo(newestIds(102));
        assertThat(counted.get()).isEqualTo(2);
    }

    @Test
    void a_message_written_elsewhere_between_two_reads_makes_the_whole_page_read_again() {
        add(60);
        history.latest(conversation());
        // the conversation's count says 2 more, but 3 were added: the newest kept one is not where it should be
        Conversation seen = new Conversation(ID, new UserId(1), "t", "", T0, T0, stored.size() + 2);
        add(3);
        rowsRead.set(0);

        List<ContextWindow.Counted> page = history.latest(seen);

        assertThat(ids(page)).isEqualTo(newestIds(50));
        assertThat(rowsRead.get()).isEqualTo(3 + 50);
    }

    @Test
    void after_a_turn_of_this_server_the_next_one_reads_nothing() {
        add(60);
        Conversation before = conversation();
        history.latest(before);
        add(2); // the turn's question and reply, as the store returned them
        history.appended(before, stored.get(60), stored.get(61));
        rowsRead.set(0);
        counted.set(0);

        List<ContextWindow.Counted> next = history.latest(conversation());

        assertThat(ids(next)).isEqualTo(newestIds(52));
        assertThat(rowsRead.get()).isZero();
        assertThat(counted.get()).as("counted when kept, not again").isZero();
    }

    @Test
    void a_turn_of_another_server_between_two_of_ours_is_read_and_checked() {
        add(60);
        Conversation before = conversation();
        history.latest(before);
        add(2); // another server's turn took the conversation first
        add(2); // then ours
        history.appended(before, stored.get(62), stored.get(63));
        rowsRead.set(0);

        List<ContextWindow.Counted> next = history.latest(conversation());

        // what is kept claims 62 messages, the store has 64: the three newest do not end at the newest kept one
        assertThat(ids(next)).isEqualTo(newestIds(50));
        assertThat(rowsRead.get()).isEqualTo(3 + 50);
    }

    @Test
    void nothing_is_read_before_the_first_message_of_a_conversation_kept_whole() {
        add(120);
        Conversation c = conversation();
        List<ContextWindow.Counted> latest = history.latest(c);
        List<ContextWindow.Counted> rest = history.older(c, latest.getLast().message().id());
        history.older(c, rest.getLast().message().id());
        rowsRead.set(0);

        List<ContextWindow.Counted> all = history.latest(c);
        assertThat(all).hasSize(120);
        assertThat(history.older(c, all.getLast().message().id())).isEmpty();
        assertThat(rowsRead.get()).isZero();
    }
}
