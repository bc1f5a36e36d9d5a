package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmchat.core.ConflictException;
import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.CustomModel;
import dev.llmchat.core.InvalidInputException;
import dev.llmchat.core.Message;
import dev.llmchat.core.MessageStatus;
import dev.llmchat.core.ModelSettings;
import dev.llmchat.core.NewMessage;
import dev.llmchat.core.NewUser;
import dev.llmchat.core.NotFoundException;
import dev.llmchat.core.KeyedQuestion;
import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.Role;
import dev.llmchat.core.SearchHit;
import dev.llmchat.core.User;
import dev.llmchat.core.UserId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TimeZone;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.core.api.migration.Context;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link SqlStore}, whatever its database, must do. A subclass per database supplies a fresh,
 * empty, migrated store for each test, and new empty databases for the upgrade and copy tests.
 */
abstract class StoreContractTest {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    static final StoreOptions LEGACY_OPTIONS = new StoreOptions("legacy", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "新对话");

    SqlStore store;
    UserId alice;
    UserId bob;

    /** A new store over an empty database. */
    protected abstract SqlStore newStore();

    /** The URL of another new database of the same kind, without any table, which the subclass drops later. */
    protected abstract String newDatabaseUrl();

    /** The resource that creates the original Python backend's tables and data on this kind of database. */
    protected abstract String legacyScript();

    /** Whether the Python backend's DATETIMEs kept fractions of a second on this database (MySQL's did not). */
    protected boolean legacyTimesHaveFractions() {
        return true;
    }

    @BeforeEach
    void openStore() {
        store = newStore();
        alice = user("alice");
        bob = user("bob");
    }

    @AfterEach
    void closeStore() {
        if (store != null) store.close();
    }

    // ---- users

    @Test
    void a_created_user_is_found_by_id_and_by_username() {
        User created = store.create(new NewUser("carol", "carol@example.com", "hash$1", true, T0));

        assertThat(created.active()).isTrue();
        assertThat(created.admin()).isTrue();
        assertThat(store.findById(created.id())).contains(created);
        assertThat(store.findByUsername("carol")).contains(created);
    }

    @Test
    void accounts_are_listed_oldest_first_in_pages_and_can_be_disabled_or_given_a_new_password() {
        UserId carol = user("carol");

        Page<User> first = store.list(new PageRequest(2, Optional.empty()));
        Page<User> rest = store.list(new PageRequest(2, first.nextCursor()));
        boolean disabled = store.setActive(bob, false);
        boolean rehashed = store.setPasswordHash(carol, "new$hash");

        assertThat(first.items()).extracting(User::id).containsExactly(alice, bob);
        assertThat(rest.items()).extracting(User::id).containsExactly(carol);
        assertThat(rest.nextCursor()).isEmpty();
        assertThat(store.list(PageRequest.all()).items()).hasSize(3);
        assertThat(disabled && rehashed).isTrue();
        assertThat(store.findById(bob).orElseThrow().active()).isFalse();
        assertThat(store.findById(carol).orElseThrow().passwordHash()).isEqualTo("new$hash");
        assertThat(store.setActive(new UserId(9_999), false)).isFalse();
        assertThat(store.setActive(bob, true)).isTrue();
        assertThat(store.findById(bob).orElseThrow().active()).isTrue();
    }

    @Test
    void a_question_stored_with_an_idempotency_key_is_found_by_it_and_the_key_cannot_store_another() {
        Conversation c = conversation(alice, "keyed", T0);
        Message q = store.startTurn(c.id(), "t1", T0, T0.plusSeconds(60), NewMessage.of(Role.USER, "once", T0), alice, "key-1").orElseThrow();
        Message a = store.append(c.id(), NewMessage.of(Role.ASSISTANT, "answer", T0));
        store.endTurn(c.id(), "t1");

        assertThat(store.findQuestion(alice, "key-1")).contains(new KeyedQuestion(c.id(), q));
        assertThat(store.findQuestion(bob, "key-1")).isEmpty();
        assertThat(store.next(c.id(), q.id())).contains(a);
        assertThat(store.next(c.id(), a.id())).isEmpty();
        assertThatThrownBy(() -> store.startTurn(c.id(), "t2", T0, T0.plusSeconds(60), NewMessage.of(Role.USER, "twice", T0), alice, "key-1"))
                .isInstanceOfSatisfying(ConflictException.class, e -> assertThat(e.code()).isEqualTo("idempotency_key_reused"));
        assertThat(store.history(c.id(), PageRequest.all()).items()).extracting(Message::content).containsExactly("once", "answer");
        assertThat(store.beginTurn(c.id(), "t3", T0, T0.plusSeconds(60))).as("the failed start left no turn behind").isTrue();
        Message other = store.startTurn(conversation(bob, "b", T0).id(), "t4", T0, T0.plusSeconds(60), NewMessage.of(Role.USER, "bob's", T0), bob, "key-1")
                .orElseThrow();
        assertThat(store.findQuestion(bob, "key-1").orElseThrow().question()).isEqualTo(other);
    }

    @Test
    void renewing_extends_only_a_turn_that_still_holds_the_conversation() {
        Conversation c = conversation(alice, "lease", T0);
        store.beginTurn(c.id(), "mine", T0, T0.plusSeconds(60));

        boolean renewed = store.renewTurn(c.id(), "mine", T0.plusSeconds(120));
        store.endTurn(c.id(), "mine");
        boolean afterEnd = store.renewTurn(c.id(), "mine", T0.plusSeconds(180));

        assertThat(renewed).isTrue();
        assertThat(store.beginTurn(c.id(), "other", T0.plusSeconds(90), T0.plusSeconds(150))).as("free again after the end").isTrue();
        assertThat(afterEnd).as("an ended turn is not revived").isFalse();
        assertThat(store.renewTurn(c.id(), "stranger", T0.plusSeconds(200))).isFalse();
    }

    @Test
    void starting_a_turn_while_another_holds_the_conversation_stores_nothing() {
        Conversation c = conversation(alice, "busy", T0);
        store.beginTurn(c.id(), "running", T0, T0.plusSeconds(60));

        Optional<Message> refused = store.startTurn(c.id(), "second", T0.plusSeconds(1), T0.plusSeconds(61), NewMessage.of(Role.USER, "queued?", T0), alice, "");
        Optional<Message> later = store.startTurn(c.id(), "third", T0.plusSeconds(61), T0.plusSeconds(121), NewMessage.of(Role.USER, "after expiry", T0), alice, "");

        assertThat(refused).isEmpty();
        assertThat(later).isPresent();
        assertThat(store.history(c.id(), PageRequest.all()).items()).extracting(Message::content).containsExactly("after expiry");
        assertThat(store.beginTurn(c.id(), "second", T0.plusSeconds(62), T0.plusSeconds(122))).as("'third' holds it now").isFalse();
    }

    @Test
    void a_streamed_reply_is_rewritten_in_place_and_orphans_are_marked_interrupted() {
        Conversation live = conversation(alice, "live", T0);
        Conversation dead = conversation(alice, "dead", T0);
        assertThat(store.beginTurn(live.id(), "turn-live", T0, T0.plusSeconds(60))).isTrue();
        Message streaming = store.append(live.id(), new NewMessage(Role.ASSISTANT, "par", MessageStatus.STREAMING, T0, 0, 0));
        Message orphan = store.append(dead.id(), new NewMessage(Role.ASSISTANT, "half", MessageStatus.STREAMING, T0, 0, 0));

        store.update(live.id(), streaming.id(), "partial text", MessageStatus.STREAMING, 0, 0);
        int interrupted = store.interruptOrphans(T0.plusSeconds(1));

        assertThat(interrupted).isEqualTo(1);
        assertThat(store.history(dead.id(), PageRequest.all()).items().get(0).status()).isEqualTo(MessageStatus.INTERRUPTED);
        Message now = store.history(live.id(), PageRequest.all()).items().get(0);
        assertThat(now.content()).isEqualTo("partial text");
        assertThat(now.status()).isEqualTo(MessageStatus.STREAMING);
        store.update(live.id(), streaming.id(), "partial text, finished", MessageStatus.COMPLETE, 5, 7);
        assertThat(store.history(live.id(), PageRequest.all()).items().get(0).status()).isEqualTo(MessageStatus.COMPLETE);
        assertThat(store.beginTurn(live.id(), "turn-live", T0, T0.plusSeconds(120))).as("the holder renews its lease").isTrue();
        assertThat(store.interruptOrphans(T0.plusSeconds(200))).isZero();
    }

    @Test
    void usernames_are_looked_up_ignoring_case() {
        assertThat(store.findByUsername("ALICE")).map(User::id).contains(alice);
        assertThat(store.findByUsername("nobody")).isEmpty();
        assertThat(store.findById(new UserId(9_999))).isEmpty();
    }

    @Test
    void a_username_taken_in_another_case_is_a_conflict() {
        assertThatThrownBy(() -> store.create(new NewUser("Alice", "", "hash", false, T0)))
                .isInstanceOfSatisfying(ConflictException.class, e -> {
                    assertThat(e.code()).isEqualTo("username_taken");
                    assertThat(e.getMessage()).isEqualTo("That username is already taken");
                });
        assertThat(store.count()).isEqualTo(2);
    }

    @Test
    void count_counts_accounts() {
        user("carol");

        assertThat(store.count()).isEqualTo(3);
    }

    @Test
    void usernames_are_unique_ignoring_case_beyond_ascii_and_keep_their_spelling() {
        User polish = store.create(new NewUser("Łukasz", "", "hash", false, T0));
        User chinese = store.create(new NewUser("小明🐼", "", "hash", false, T0));

        assertThat(store.findByUsername("łUKASZ")).contains(polish);
        assertThat(store.findByUsername("小明🐼")).contains(chinese);
        assertThat(store.findByUsername("小明")).isEmpty();
        assertThatThrownBy(() -> store.create(new NewUser("ŁUKASZ", "", "hash", false, T0))).isInstanceOf(ConflictException.class);
        assertThat(store.findById(polish.id())).map(User::username).contains("Łukasz");
    }

    // ---- conversations

    @Test
    void a_created_conversation_is_found_by_its_owner_only() {
        Conversation created = store.create(ConversationId.random(), alice, "Plans", "Be brief.", T0);

        assertThat(created).isEqualTo(new Conversation(created.id(), alice, "Plans", "Be brief.", T0, T0, 0));
        assertThat(store.find(alice, created.id())).contains(created);
        assertThat(store.find(bob, created.id())).isEmpty();
        assertThat(store.find(alice, ConversationId.random())).isEmpty();
    }

    @Test
    void creating_a_conversation_with_a_taken_id_is_a_conflict() {
        ConversationId id = ConversationId.random();
        store.create(id, alice, "First", "", T0);

        assertThatThrownBy(() -> store.create(id, bob, "Second", "", T0)).isInstanceOf(ConflictException.class);
        assertThat(store.find(alice, id)).map(Conversation::title).contains("First");
    }

    @Test
    void one_user_can_never_see_or_delete_another_users_conversations() {
        Conversation mine = conversation(alice, "secret plans", T0);
        store.append(mine.id(), NewMessage.of(Role.USER, "the password is swordfish", T0));

        assertThat(store.find(bob, mine.id())).isEmpty();
        assertThat(store.list(bob, PageRequest.all()).items()).isEmpty();
        assertThat(store.search(bob, "secret", 10)).isEmpty();
        assertThat(store.search(bob, "swordfish", 10)).isEmpty();
        assertThat(store.delete(bob, mine.id())).isFalse();
        assertThat(store.deleteOldest(bob, 0)).isZero();
        assertThat(store.find(alice, mine.id())).isPresent();
        assertThat(store.history(mine.id(), PageRequest.all()).items()).hasSize(1);
    }

    @Test
    void listing_shows_the_most_recent_activity_first() {
        Conversation old = conversation(alice, "old", T0);
        Conversation middle = conversation(alice, "middle", T0.plusSeconds(10));
        Conversation young = conversation(alice, "young", T0.plusSeconds(20));

        store.append(old.id(), NewMessage.of(Role.USER, "bump", T0.plusSeconds(30)));

        assertThat(titles(store.list(alice, PageRequest.all()))).containsExactly("old", "young", "middle");
        assertThat(store.find(alice, old.id())).map(Conversation::updatedAt).contains(T0.plusSeconds(30));
        assertThat(store.find(alice, young.id())).map(Conversation::updatedAt).contains(young.createdAt());
        assertThat(store.find(alice, middle.id())).map(Conversation::updatedAt).contains(T0.plusSeconds(10));
    }

    @Test
    void paging_returns_every_conversation_once_even_when_activity_times_tie() {
        for (int i = 0; i < 7; i++) conversation(alice, "tie " + i, T0);
        conversation(alice, "newest", T0.plusSeconds(1));
        conversation(alice, "oldest", T0.minusSeconds(1));

        List<String> seen = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        int pages = 0;
        do {
            Page<Conversation> page = store.list(alice, new PageRequest(2, cursor));
            assertThat(page.items()).hasSizeLessThanOrEqualTo(2);
            seen.addAll(titles(page));
            cursor = page.nextCursor();
            pages++;
        } while (cursor.isPresent());

        assertThat(pages).isEqualTo(5);
        assertThat(seen).containsExactly("newest", "tie 6", "tie 5", "tie 4", "tie 3", "tie 2", "tie 1", "tie 0", "oldest");
        assertThat(seen).isEqualTo(titles(store.list(alice, PageRequest.all())));
    }

    @Test
    void a_next_cursor_is_given_only_when_more_conversations_follow() {
        conversation(alice, "a", T0);
        conversation(alice, "b", T0.plusSeconds(1));

        assertThat(store.list(alice, PageRequest.first(2)).nextCursor()).isEmpty();
        assertThat(store.list(alice, PageRequest.first(3)).nextCursor()).isEmpty();
        Page<Conversation> first = store.list(alice, PageRequest.first(1));
        assertThat(titles(first)).containsExactly("b");
        assertThat(first.nextCursor()).isPresent();
        Page<Conversation> second = store.list(alice, new PageRequest(1, first.nextCursor()));
        assertThat(titles(second)).containsExactly("a");
        assertThat(second.nextCursor()).isEmpty();
        assertThat(store.list(alice, PageRequest.all()).nextCursor()).isEmpty();
    }

    @Test
    void a_malformed_cursor_is_invalid_input() {
        Conversation c = conversation(alice, "c", T0);
        List<String> garbage = List.of("%%%", "not base64!", b64("12"), b64("a:b"), b64("1:2:3"), b64(""), b64("x"));

        for (String cursor : garbage) {
            assertThatThrownBy(() -> store.list(alice, new PageRequest(10, Optional.of(cursor))))
                    .as(cursor).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("invalid_cursor"));
        }
        for (String cursor : List.of("%%%", b64("1:2"), b64("one"))) {
            assertThatThrownBy(() -> store.history(c.id(), new PageRequest(10, Optional.of(cursor))))
                    .as(cursor).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.code()).isEqualTo("invalid_cursor"));
        }
    }

    @Test
    void appending_counts_messages_and_never_moves_activity_backwards() {
        Conversation c = conversation(alice, "c", T0);

        Message first = store.append(c.id(), NewMessage.of(Role.USER, "hi", T0.plusSeconds(5)));
        Message second = store.append(c.id(), new NewMessage(Role.ASSISTANT, "hello", MessageStatus.COMPLETE, T0.plusSeconds(3), 12, 34));

        assertThat(second.id()).isGreaterThan(first.id());
        assertThat(second).isEqualTo(new Message(second.id(), Role.ASSISTANT, "hello", MessageStatus.COMPLETE, T0.plusSeconds(3)));
        Conversation after = store.find(alice, c.id()).orElseThrow();
        assertThat(after.messageCount()).isEqualTo(2);
        assertThat(after.updatedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(after.createdAt()).isEqualTo(T0);
        assertThat(tokens(second.id())).containsExactly(12L, 34L);
    }

    @Test
    void appending_to_a_missing_conversation_is_not_found_and_stores_nothing() {
        Conversation c = conversation(alice, "c", T0);
        store.delete(alice, c.id());

        assertThatThrownBy(() -> store.append(c.id(), NewMessage.of(Role.USER, "hi", T0)))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).isEqualTo("conversation_not_found"));
        assertThat(rows("messages")).isZero();
    }

    @Test
    void every_role_and_status_round_trips() {
        Conversation c = conversation(alice, "c", T0);
        for (Role role : Role.values()) {
            for (MessageStatus status : MessageStatus.values()) {
                store.append(c.id(), new NewMessage(role, role + "/" + status, status, T0, 0, 0));
            }
        }

        assertThat(store.history(c.id(), PageRequest.all()).items())
                .allSatisfy(m -> assertThat(m.content()).isEqualTo(m.role() + "/" + m.status()))
                .hasSize(Role.values().length * MessageStatus.values().length);
    }

    @Test
    void history_is_oldest_first_and_pages_by_message() {
        Conversation c = conversation(alice, "c", T0);
        for (int i = 0; i < 5; i++) store.append(c.id(), NewMessage.of(Role.USER, "m" + i, T0));

        Page<Message> first = store.history(c.id(), PageRequest.first(2));
        Page<Message> second = store.history(c.id(), new PageRequest(2, first.nextCursor()));
        Page<Message> third = store.history(c.id(), new PageRequest(2, second.nextCursor()));

        assertThat(contents(first.items())).containsExactly("m0", "m1");
        assertThat(contents(second.items())).containsExactly("m2", "m3");
        assertThat(contents(third.items())).containsExactly("m4");
        assertThat(third.nextCursor()).isEmpty();
        assertThat(contents(store.history(c.id(), PageRequest.all()).items())).containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(store.history(ConversationId.random(), PageRequest.all()).items()).isEmpty();
    }

    @Test
    void recent_gives_the_messages_before_an_id_newest_first() {
        Conversation c = conversation(alice, "c", T0);
        Conversation other = conversation(alice, "other", T0);
        List<Message> stored = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            stored.add(store.append(c.id(), NewMessage.of(Role.USER, "m" + i, T0)));
            store.append(other.id(), NewMessage.of(Role.USER, "noise", T0));
        }

        assertThat(contents(store.recent(c.id(), Long.MAX_VALUE, 3))).containsExactly("m4", "m3", "m2");
        assertThat(contents(store.recent(c.id(), stored.get(2).id(), 10))).containsExactly("m1", "m0");
        assertThat(store.recent(c.id(), stored.get(0).id(), 10)).isEmpty();
    }

    @Test
    void deleting_a_conversation_removes_its_messages() {
        Conversation doomed = conversation(alice, "doomed", T0);
        Conversation kept = conversation(alice, "kept", T0);
        store.append(doomed.id(), NewMessage.of(Role.USER, "bye", T0));
        store.append(kept.id(), NewMessage.of(Role.USER, "stay", T0));

        assertThat(store.delete(alice, doomed.id())).isTrue();

        assertThat(store.find(alice, doomed.id())).isEmpty();
        assertThat(rows("messages")).isEqualTo(1);
        assertThat(contents(store.history(kept.id(), PageRequest.all()).items())).containsExactly("stay");
        assertThat(store.delete(alice, doomed.id())).isFalse();
    }

    @Test
    void delete_oldest_keeps_exactly_the_most_recent_ones() {
        List<Conversation> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Conversation c = conversation(alice, "c" + i, T0.plusSeconds(i / 2)); // pairs tie on activity
            store.append(c.id(), NewMessage.of(Role.USER, "m" + i, T0.plusSeconds(i / 2)));
            all.add(c);
        }
        Conversation bobs = conversation(bob, "bob's", T0.minusSeconds(100));

        int removed = store.deleteOldest(alice, 3);

        assertThat(removed).isEqualTo(3);
        assertThat(titles(store.list(alice, PageRequest.all()))).containsExactly("c5", "c4", "c3");
        assertThat(rows("messages")).isEqualTo(3);
        assertThat(store.find(bob, bobs.id())).isPresent();
        assertThat(store.deleteOldest(alice, 3)).isZero();
        assertThat(store.deleteOldest(alice, 10)).isZero();
        assertThat(store.deleteOldest(alice, 0)).isEqualTo(3);
        assertThat(store.list(alice, PageRequest.all()).items()).isEmpty();
    }

    @Test
    void retitling_changes_the_title_only_if_it_is_still_the_expected_one() {
        Conversation c = conversation(alice, "新对话", T0);

        assertThat(store.retitle(c.id(), "something else", "Model's title")).isFalse();
        assertThat(store.retitle(c.id(), "新对话", "Trip to Kyoto")).isTrue();

        Conversation after = store.find(alice, c.id()).orElseThrow();
        assertThat(after.title()).isEqualTo("Trip to Kyoto");
        assertThat(after.updatedAt()).isEqualTo(T0);
        assertThat(store.retitle(ConversationId.random(), "新对话", "x")).isFalse();
    }

    @Test
    void text_round_trips_exactly() {
        String text = "你好，世界 👋🏽 family 👨‍👩‍👧 tab\tnewline\nreturn\r bell\u0007 escape\u001b quote' \"double\" back\\slash %_!";
        Conversation c = store.create(ConversationId.random(), alice, "标题 🚀 " + text, "系统提示 " + text, T0);

        Message m = store.append(c.id(), NewMessage.of(Role.USER, text, T0));

        assertThat(store.history(c.id(), PageRequest.all()).items()).containsExactly(m);
        assertThat(m.content()).isEqualTo(text);
        Conversation found = store.find(alice, c.id()).orElseThrow();
        assertThat(found.title()).isEqualTo("标题 🚀 " + text);
        assertThat(found.systemPrompt()).isEqualTo("系统提示 " + text);
    }

    @Test
    void timestamps_are_kept_to_the_millisecond() {
        Instant precise = Instant.parse("2026-03-01T10:00:00.123456789Z");
        Instant millis = Instant.parse("2026-03-01T10:00:00.123Z");

        Conversation c = store.create(ConversationId.random(), alice, "t", "", precise);
        Message m = store.append(c.id(), NewMessage.of(Role.USER, "t", precise.plusMillis(1)));

        assertThat(c.createdAt()).isEqualTo(millis);
        assertThat(store.find(alice, c.id())).contains(new Conversation(c.id(), alice, "t", "", millis, millis.plusMillis(1), 1));
        assertThat(store.history(c.id(), PageRequest.all()).items()).containsExactly(m);
        assertThat(m.createdAt()).isEqualTo(millis.plusMillis(1));
    }

    @Test
    void columns_hold_wire_names_and_epoch_milliseconds() {
        Conversation c = conversation(alice, "c", T0);
        store.append(c.id(), new NewMessage(Role.ASSISTANT, "a", MessageStatus.INCOMPLETE, T0.plusMillis(1), 0, 0));

        List<Object> raw = store.jdbi().withHandle(h -> h.createQuery("SELECT role, status, created_at FROM messages")
                .map((rs, ctx) -> List.<Object>of(rs.getString(1), rs.getString(2), rs.getLong(3))).one());

        assertThat(raw).containsExactly("assistant", "incomplete", T0.toEpochMilli() + 1);
    }

    @Test
    @Timeout(30)
    void concurrent_appends_to_one_conversation_lose_nothing() throws Exception {
        Conversation c = conversation(alice, "busy", T0);
        int threads = 8;
        int perThread = 50;

        List<Long> ids = new ArrayList<>();
        for (List<Long> mine : atOnce(threads, thread -> {
            List<Long> stored = new ArrayList<>();
            for (int i = 0; i < perThread; i++) stored.add(store.append(c.id(), NewMessage.of(Role.USER, thread + "-" + i, T0.plusMillis(i))).id());
            return stored;
        })) {
            ids.addAll(mine);
        }
        assertThat(ids).hasSize(threads * perThread).doesNotHaveDuplicates();
        assertThat(store.find(alice, c.id()).orElseThrow().messageCount()).isEqualTo(threads * perThread);
        assertThat(store.history(c.id(), PageRequest.all()).items()).hasSize(threads * perThread);
    }

    @Test
    @Timeout(60)
    void concurrent_writes_that_fail_change_nothing_and_fail_alone() throws Exception {
        Conversation c = conversation(alice, "mixed", T0);
        store.startTurn(c.id(), "first", T0, T0, NewMessage.of(Role.USER, "keyed", T0), alice, "same-key").orElseThrow();

        int stored = 0;
        for (int mine : atOnce(16, thread -> {
            int appended = 0;
            for (int i = 0; i < 40; i++) {
                if ((thread + i) % 3 == 0) {
                    // a write that fails half-way: its conversation does not exist
                    assertThatThrownBy(() -> store.append(ConversationId.random(), NewMessage.of(Role.USER, "lost", T0)))
                            .isInstanceOf(NotFoundException.class);
                } else if ((thread + i) % 3 == 1) {
                    // a write that fails on a constraint after its first statements succeeded
                    String turn = "t-" + thread + "-" + i;
                    assertThatThrownBy(() -> store.startTurn(c.id(), turn, T0, T0, NewMessage.of(Role.USER, "dup", T0), alice, "same-key"))
                            .isInstanceOf(ConflictException.class);
                } else {
                    store.append(c.id(), NewMessage.of(Role.USER, thread + "-" + i, T0.plusMillis(i)));
                    appended++;
                }
            }
            return appended;
        })) {
            stored += mine;
        }
        List<String> texts = store.history(c.id(), PageRequest.all()).items().stream().map(Message::content).toList();
        assertThat(texts).doesNotContain("lost", "dup").contains("keyed").hasSize(stored + 1);
        assertThat(store.find(alice, c.id()).orElseThrow().messageCount()).isEqualTo(stored + 1);
    }

    @Test
    void finishing_a_turn_stores_the_reply_and_frees_the_conversation() {
        Conversation c = conversation(alice, "finish", T0);
        Message question = store.startTurn(c.id(), "t1", T0, T0.plusSeconds(60), NewMessage.of(Role.USER, "q1", T0), alice, "").orElseThrow();
        Message answer = store.finishTurn(c.id(), "t1", 0, new NewMessage(Role.ASSISTANT, "a1 你好 😀", MessageStatus.COMPLETE, T0.plusSeconds(1), 3, 4));

        assertThat(lease(c)).as("no turn, no expiry").containsExactly(null, null);
        assertThat(store.beginTurn(c.id(), "t2", T0.plusSeconds(2), T0.plusSeconds(62))).as("freed").isTrue();
        Message streaming = store.append(c.id(), new NewMessage(Role.ASSISTANT, "par", MessageStatus.STREAMING, T0.plusSeconds(3), 0, 0));
        Message finished = store.finishTurn(c.id(), "t2", streaming.id(), new NewMessage(Role.ASSISTANT, "partial", MessageStatus.INCOMPLETE, T0.plusSeconds(4), 0, 0));

        assertThat(finished.id()).isEqualTo(streaming.id());
        assertThat(store.history(c.id(), PageRequest.all()).items()).extracting(Message::id, Message::content, Message::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(question.id(), "q1", MessageStatus.COMPLETE),
                        org.assertj.core.groups.Tuple.tuple(answer.id(), "a1 你好 😀", MessageStatus.COMPLETE),
                        org.assertj.core.groups.Tuple.tuple(streaming.id(), "partial", MessageStatus.INCOMPLETE));
        assertThat(store.beginTurn(c.id(), "t3", T0.plusSeconds(5), T0.plusSeconds(65))).as("freed again").isTrue();
        assertThatThrownBy(() -> store.finishTurn(ConversationId.random(), "t3", 0, NewMessage.of(Role.ASSISTANT, "x", T0)))
                .isInstanceOf(NotFoundException.class);
        assertThat(store.beginTurn(c.id(), "t4", T0.plusSeconds(6), T0.plusSeconds(66))).as("a failed finish frees nothing else").isFalse();
    }

    /** The conversation's turn id and lease expiry as stored. */
    private List<Object> lease(Conversation c) {
        return store.jdbi().withHandle(h -> h.createQuery("SELECT turn_id, turn_expires_at FROM conversations WHERE session_id = :id")
                .bind("id", c.id()).map((rs, ctx) -> Arrays.asList(rs.getObject(1), rs.getObject(2))).one());
    }

    @Test
    void a_late_finish_stores_its_reply_and_frees_only_its_own_turn() {
        Conversation c = conversation(alice, "late", T0);
        store.startTurn(c.id(), "old", T0, T0.plusSeconds(60), NewMessage.of(Role.USER, "q", T0), alice, "").orElseThrow();
        assertThat(store.beginTurn(c.id(), "new", T0.plusSeconds(61), T0.plusSeconds(121))).as("the old lease ran out").isTrue();

        store.finishTurn(c.id(), "old", 0, NewMessage.of(Role.ASSISTANT, "late", T0.plusSeconds(62)));

        assertThat(store.history(c.id(), PageRequest.all()).items()).extracting(Message::content).containsExactly("q", "late");
        assertThat(store.find(alice, c.id()).orElseThrow().messageCount()).isEqualTo(2);
        assertThat(store.beginTurn(c.id(), "third", T0.plusSeconds(63), T0.plusSeconds(123))).as("'new' still holds it").isFalse();
        assertThat(store.beginTurn(c.id(), "third", T0.plusSeconds(121), T0.plusSeconds(181))).as("until its lease ends, kept as it was").isTrue();
    }

    @Test
    void instants_round_trip_exactly_whatever_the_time_zone_of_the_jvm() {
        List<Instant> instants = List.of(Instant.parse("1969-07-20T20:17:40.001Z"), Instant.parse("2026-03-08T07:30:00Z"),
                Instant.parse("2026-10-25T01:30:00.999Z"), Instant.parse("2999-12-31T23:59:59.999Z"));
        TimeZone zone = TimeZone.getDefault();
        try {
            for (String id : List.of("America/New_York", "Asia/Kathmandu", "Pacific/Chatham")) {
                TimeZone.setDefault(TimeZone.getTimeZone(id));
                for (Instant at : instants) {
                    Conversation c = store.create(ConversationId.random(), alice, id, "", at);
                    Message m = store.append(c.id(), NewMessage.of(Role.USER, "m", at));

                    assertThat(store.find(alice, c.id())).map(Conversation::createdAt).as(id).contains(at);
                    assertThat(store.history(c.id(), PageRequest.all()).items()).as(id).containsExactly(m);
                    assertThat(m.createdAt()).isEqualTo(at);
                }
            }
        } finally {
            TimeZone.setDefault(zone);
        }
    }

    // ---- turns

    @Test
    void a_turn_holds_the_conversation_until_it_ends() {
        Conversation c = conversation(alice, "c", T0);

        assertThat(store.beginTurn(c.id(), "turn-1", T0, T0.plusSeconds(60))).isTrue();
        assertThat(store.beginTurn(c.id(), "turn-2", T0.plusSeconds(1), T0.plusSeconds(61))).isFalse();
        assertThat(store.beginTurn(c.id(), "turn-1", T0.plusSeconds(1), T0.plusSeconds(61))).as("the holder renews").isTrue();
        store.endTurn(c.id(), "turn-1");

        assertThat(store.beginTurn(c.id(), "turn-2", T0.plusSeconds(2), T0.plusSeconds(62))).isTrue();
    }

    @Test
    void an_expired_turn_can_be_taken_over_and_then_cannot_free_the_conversation() {
        Conversation c = conversation(alice, "c", T0);
        store.beginTurn(c.id(), "dead-server", T0, T0.plusSeconds(60));

        assertThat(store.beginTurn(c.id(), "early", T0.plusMillis(59_999), T0.plusSeconds(120))).isFalse();
        assertThat(store.beginTurn(c.id(), "successor", T0.plusSeconds(60), T0.plusSeconds(120))).isTrue();
        store.endTurn(c.id(), "dead-server");

        assertThat(store.beginTurn(c.id(), "third", T0.plusSeconds(61), T0.plusSeconds(121))).isFalse();
    }

    @Test
    void ending_a_turn_that_does_not_hold_the_conversation_does_nothing() {
        Conversation c = conversation(alice, "c", T0);
        Conversation other = conversation(alice, "other", T0);
        store.beginTurn(c.id(), "turn-1", T0, T0.plusSeconds(60));

        store.endTurn(c.id(), "turn-2");
        store.endTurn(other.id(), "turn-1");
        store.endTurn(ConversationId.random(), "turn-1");

        assertThat(store.beginTurn(c.id(), "turn-2", T0, T0.plusSeconds(60))).isFalse();
        assertThat(store.beginTurn(other.id(), "turn-3", T0, T0.plusSeconds(60))).isTrue();
        assertThat(store.beginTurn(ConversationId.random(), "turn-4", T0, T0.plusSeconds(60))).isFalse();
    }

    @Test
    @Timeout(30)
    void of_eight_racing_turns_exactly_one_begins() throws Exception {
        int threads = 8;
        for (int round = 0; round < 5; round++) {
            Conversation c = conversation(alice, "race " + round, T0);

            int won = 0;
            for (boolean began : atOnce(threads, t -> store.beginTurn(c.id(), "turn-" + t, T0, T0.plusSeconds(60)))) won += began ? 1 : 0;
            assertThat(won).as("round %d", round).isEqualTo(1);
        }
    }

    // ---- search

    @Test
    void search_finds_titles_and_messages_ignoring_case_most_recent_first_once_each() {
        Conversation byTitle = conversation(alice, "Kyoto trip", T0);
        Conversation byMessages = conversation(alice, "Untitled", T0.plusSeconds(1));
        store.append(byMessages.id(), NewMessage.of(Role.USER, "Should I visit KYOTO?", T0.plusSeconds(2)));
        store.append(byMessages.id(), NewMessage.of(Role.ASSISTANT, "Yes, kyoto is lovely.", T0.plusSeconds(3)));
        conversation(alice, "Osaka", T0.plusSeconds(4));

        List<SearchHit> hits = store.search(alice, "kyoto", 10);

        assertThat(hits).extracting(h -> h.conversation().id()).containsExactly(byMessages.id(), byTitle.id());
        assertThat(hits).extracting(SearchHit::snippet).containsExactly("Should I visit KYOTO?", "Kyoto trip");
        assertThat(store.search(alice, "kyoto", 1)).hasSize(1);
        assertThat(store.search(alice, "nagoya", 10)).isEmpty();
    }

    @Test
    void a_search_snippet_is_cut_around_the_first_match_from_the_title_if_it_matched() {
        String before = "a".repeat(300);
        String after = "z".repeat(300);
        Conversation inMessage = conversation(alice, "Untitled", T0);
        store.append(inMessage.id(), NewMessage.of(Role.USER, before + " needle " + after, T0));
        Conversation inBoth = conversation(alice, "A needle in the title", T0.plusSeconds(1));
        store.append(inBoth.id(), NewMessage.of(Role.USER, "another needle", T0.plusSeconds(1)));

        List<SearchHit> hits = store.search(alice, "NEEDLE", 10);

        assertThat(hits.get(0).snippet()).isEqualTo("A needle in the title");
        String snippet = hits.get(1).snippet();
        assertThat(snippet).startsWith("…a").endsWith("z…").contains(" needle ");
        assertThat(snippet.length()).isBetween(90, 110);
    }

    @Test
    void search_matches_like_wildcards_literally() {
        conversation(alice, "100% sure", T0);
        conversation(alice, "snake_case", T0);
        conversation(alice, "wow!", T0);
        conversation(alice, "1000 sure", T0);
        conversation(alice, "snakeXcase", T0);
        conversation(alice, "wow", T0);

        assertThat(searchTitles("0%")).containsExactly("100% sure");
        assertThat(searchTitles("e_c")).containsExactly("snake_case");
        assertThat(searchTitles("w!")).containsExactly("wow!");
        assertThat(searchTitles("%")).containsExactly("100% sure");
        assertThat(searchTitles("_")).containsExactly("snake_case");
    }

    // ---- settings

    @Test
    void settings_are_absent_until_saved_and_saving_again_replaces_them() {
        assertThat(store.find(alice)).isEmpty();
        ModelSettings custom = new ModelSettings(ModelSettings.CUSTOM, 4096, Optional.of(new CustomModel("http://llm.local/v1", "qwen-7b", "sk-secret")));
        ModelSettings preset = new ModelSettings("gpt-4o", 1000, custom.custom());

        store.save(alice, custom);
        assertThat(store.find(alice)).contains(custom);
        store.save(alice, preset);

        assertThat(store.find(alice)).contains(preset);
        assertThat(store.find(bob)).isEmpty();
        assertThat(rows("user_configs")).isEqualTo(1);
    }

    @Test
    void settings_without_a_custom_endpoint_round_trip() {
        ModelSettings plain = new ModelSettings("deepseek-chat", 2000, Optional.empty());
        ModelSettings keyless = new ModelSettings(ModelSettings.CUSTOM, 1, Optional.of(new CustomModel("http://localhost:11434/v1", "llama3", "")));

        store.save(alice, plain);
        store.save(bob, keyless);

        assertThat(store.find(alice)).contains(plain);
        assertThat(store.find(bob)).contains(keyless);
    }

    // ---- upgrading a database of the original Python backend

    @Test
    void a_database_of_the_python_backend_is_upgraded_in_place_keeping_every_value() throws Exception {
        String url = legacyDatabase();

        try (SqlStore upgraded = SqlStore.open(url, LEGACY_OPTIONS)) {
            LegacyFixture.assertImported(upgraded, LEGACY_OPTIONS, legacyTimesHaveFractions());
            assertThat(tables(upgraded)).contains("legacy_conversations", "legacy_messages", "legacy_user_configs");
            long legacyMessages = upgraded.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM legacy_messages").mapTo(Long.class).one());
            assertThat(legacyMessages).isEqualTo(LegacyFixture.MESSAGES);
        }
    }

    @Test
    void opening_an_upgraded_database_again_changes_nothing() throws Exception {
        String url = legacyDatabase();
        try (SqlStore first = SqlStore.open(url, LEGACY_OPTIONS)) {
            first.count();
        }

        try (SqlStore second = SqlStore.open(url, new StoreOptions("someone-else", "x", "untitled"))) {
            LegacyFixture.assertImported(second, LEGACY_OPTIONS, legacyTimesHaveFractions());
            assertThat(second.findByUsername("someone-else")).isEmpty();
            assertThat(history(second)).containsExactly("0", "1", "2", "3", "4");
        }
    }

    @Test
    void after_an_upgrade_new_rows_get_ids_that_do_not_collide() throws Exception {
        try (SqlStore upgraded = SqlStore.open(legacyDatabase(), LEGACY_OPTIONS)) {
            UserId owner = upgraded.findByUsername("legacy").orElseThrow().id();
            Conversation old = upgraded.list(owner, PageRequest.all()).items().get(0);

            User carol = upgraded.create(new NewUser("carol", "", "hash", false, T0));
            Conversation fresh = upgraded.create(ConversationId.random(), carol.id(), "new", "", T0);
            Message reply = upgraded.append(old.id(), NewMessage.of(Role.USER, "still here", T0));
            Message first = upgraded.append(fresh.id(), NewMessage.of(Role.USER, "hello", T0));

            assertThat(carol.id().value()).isGreaterThan(LegacyFixture.ACCOUNTS);
            assertThat(List.of(reply.id(), first.id())).allSatisfy(id -> assertThat(id).isGreaterThan(LegacyFixture.MAX_MESSAGE_ID));
            assertThat(rowId(upgraded, fresh.id())).isGreaterThan(LegacyFixture.MAX_CONVERSATION_ID);
            assertThat(upgraded.history(old.id(), PageRequest.all()).items()).last().isEqualTo(reply);
        }
    }

    @Test
    void an_owner_column_of_later_python_versions_gives_conversations_to_those_accounts() throws Exception {
        String url = legacyDatabase();
        execute(url, "ALTER TABLE conversations ADD COLUMN user_identifier VARCHAR(255)",
                "UPDATE conversations SET user_identifier = 'ALICE' WHERE id = 1",
                "UPDATE conversations SET user_identifier = 'bob_from_python' WHERE id = 3");

        try (SqlStore upgraded = SqlStore.open(url, LEGACY_OPTIONS)) {
            User alice = upgraded.findByUsername("alice").orElseThrow();
            User bobby = upgraded.findByUsername("bob_from_python").orElseThrow();
            UserId legacy = upgraded.findByUsername("legacy").orElseThrow().id();

            assertThat(titles(upgraded.list(alice.id(), PageRequest.all()))).containsExactly("周末去杭州玩 🏞️");
            assertThat(titles(upgraded.list(bobby.id(), PageRequest.all()))).containsExactly("Kotlin vs. Java: 100% honest_take");
            assertThat(titles(upgraded.list(legacy, PageRequest.all()))).containsExactly("Old client", "空对话", "新对话");
            assertThat(bobby.passwordHash()).isEqualTo(StoreOptions.LOCKED_PASSWORD_HASH);
            assertThat(upgraded.count()).isEqualTo(LegacyFixture.ACCOUNTS + 1);
            assertThat(upgraded.find(alice.id())).isPresent();
        }
    }

    @Test
    void an_upgrade_that_fails_leaves_the_data_set_aside_and_completes_once_the_cause_is_fixed() throws Exception {
        String url = legacyDatabase();
        // The fallback id of conversation 5, whose session id is unusable, is taken: the import must fail.
        execute(url, "INSERT INTO conversations (id, session_id, title, created_at, updated_at)"
                + " VALUES (6, 'legacy-5', 'clash', '2025-10-06 00:00:00', '2025-10-06 00:00:00')");

        assertThatThrownBy(() -> SqlStore.open(url, LEGACY_OPTIONS)).isInstanceOf(RuntimeException.class);
        assertThat(tables(url)).contains("legacy_conversations", "conversations");
        assertThat(rows(url, "users") + rows(url, "conversations") + rows(url, "messages")).isZero();
        execute(url, "UPDATE legacy_conversations SET session_id = 'no-clash' WHERE id = 6");

        try (SqlStore upgraded = SqlStore.open(url, LEGACY_OPTIONS)) {
            UserId owner = upgraded.findByUsername("legacy").orElseThrow().id();
            assertThat(upgraded.find(owner, new ConversationId("no-clash"))).map(Conversation::title).contains("clash");
            upgraded.delete(owner, new ConversationId("no-clash"));
            LegacyFixture.assertImported(upgraded, LEGACY_OPTIONS, legacyTimesHaveFractions());
        }
    }

    @Test
    void an_upgrade_interrupted_after_setting_the_tables_aside_completes_on_the_next_start() throws Exception {
        // What V1 leaves behind if the process dies before Flyway records it: the tables set aside, no history.
        String url = legacyDatabase();
        DatabaseUrl parsed = DatabaseUrl.parse(url);
        try (Connection c = connect(url)) {
            new LegacySetAside(parsed.kind()).migrate(new Context() {
                @Override
                public Configuration getConfiguration() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Connection getConnection() {
                    return c;
                }
            });
        }
        assertThat(tables(url)).contains("legacy_conversations").doesNotContain("conversations", SqlStore.HISTORY_TABLE);

        try (SqlStore upgraded = SqlStore.open(url, LEGACY_OPTIONS)) {
            LegacyFixture.assertImported(upgraded, LEGACY_OPTIONS, legacyTimesHaveFractions());
        }
    }

    @Test
    void an_import_that_committed_without_being_recorded_is_not_repeated() throws Exception {
        String url = legacyDatabase();
        try (SqlStore first = SqlStore.open(url, LEGACY_OPTIONS)) {
            // as if the process died right after V3 committed: neither V3's record nor anything later exists
            first.jdbi().useHandle(h -> {
                h.execute("DELETE FROM " + SqlStore.HISTORY_TABLE + " WHERE version IN ('3', '4')");
                h.execute("DROP TABLE idempotency_keys");
                h.execute(dropMessagesStatusIndex());
            });
        }

        try (SqlStore again = SqlStore.open(url, LEGACY_OPTIONS)) {
            LegacyFixture.assertImported(again, LEGACY_OPTIONS, legacyTimesHaveFractions());
            assertThat(history(again)).containsExactly("0", "1", "2", "3", "4");
        }
    }

    /** Undoes V4's index the way this database spells it. */
    protected String dropMessagesStatusIndex() {
        return "DROP INDEX messages_status";
    }

    // ---- copying between databases

    @Test
    void a_sqlite_store_copies_into_an_empty_database_keeping_ids_and_values(@TempDir Path dir) {
        try (SqlStore source = SqlStore.open("sqlite:///" + dir.resolve("source.db")); SqlStore target = SqlStore.open(newDatabaseUrl())) {
            User ann = source.create(new NewUser("Ann", "ann@example.com", "hash-a", true, T0));
            User ben = source.create(new NewUser("本", "", "hash-b", false, T0.plusSeconds(1)));
            Conversation deleted = source.create(ConversationId.random(), ann.id(), "gone", "", T0);
            Conversation big = source.create(ConversationId.random(), ann.id(), "对话 🚀", "Be brief.", T0);
            Conversation small = source.create(ConversationId.random(), ben.id(), "small", "", T0.plusMillis(1));
            source.append(deleted.id(), NewMessage.of(Role.USER, "gone", T0));
            source.delete(ann.id(), deleted.id()); // gaps in the ids
            source.append(small.id(), new NewMessage(Role.ASSISTANT, "partial 😀", MessageStatus.INCOMPLETE, T0.plusMillis(2), 5, 7));
            appendQuickly(source, big, 2 * Batch.SIZE + 7);
            source.beginTurn(small.id(), "turn", T0, T0.plusSeconds(60));
            source.save(ann.id(), new ModelSettings(ModelSettings.CUSTOM, 4096, Optional.of(new CustomModel("http://llm/v1", "qwen", "sk"))));
            source.save(ben.id(), new ModelSettings("deepseek", 2000, Optional.empty()));

            SqlStore.copy(source, target);

            for (User u : List.of(ann, ben)) {
                assertThat(target.findByUsername(u.username().toUpperCase(Locale.ROOT))).contains(u);
                assertThat(target.find(u.id())).isPresent().isEqualTo(source.find(u.id()));
                assertThat(target.list(u.id(), PageRequest.all())).isEqualTo(source.list(u.id(), PageRequest.all()));
            }
            for (Conversation c : List.of(big, small)) {
                assertThat(target.history(c.id(), PageRequest.all())).isEqualTo(source.history(c.id(), PageRequest.all()));
            }
            assertThat(target.history(big.id(), PageRequest.all()).items()).hasSize(2 * Batch.SIZE + 7);
            assertThat(target.beginTurn(small.id(), "other", T0, T0.plusSeconds(60))).isFalse();
            assertThat(target.create(new NewUser("carl", "", "h", false, T0)).id().value()).isGreaterThan(ben.id().value());
            long lastMessage = source.recent(big.id(), Long.MAX_VALUE, 1).get(0).id();
            assertThat(target.append(small.id(), NewMessage.of(Role.USER, "new", T0)).id()).isGreaterThan(lastMessage);
            Conversation fresh = target.create(ConversationId.random(), ann.id(), "new", "", T0);
            assertThat(rowId(target, fresh.id())).isGreaterThan(rowId(source, small.id()));
        }
    }

    @Test
    void copying_into_a_database_that_holds_data_is_refused() {
        conversation(alice, "mine", T0);

        try (SqlStore source = SqlStore.open(newDatabaseUrl())) {
            source.create(new NewUser("zed", "", "hash", false, T0));
            assertThatThrownBy(() -> SqlStore.copy(source, store))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not empty");
        }
        assertThat(store.count()).isEqualTo(2);
    }

    // ---- lifecycle

    @Test
    void a_store_is_healthy_until_closed() {
        assertThat(store.healthy()).isTrue();

        store.close();

        assertThat(store.healthy()).isFalse();
        store = null;
    }

    @Test
    void a_small_conversation_beside_a_huge_one_is_walked_by_its_own_index_range() {
        // given: one conversation of many messages, then a new one of 3, with statistics that say so
        Conversation huge = conversation(alice, "huge", T0);
        appendQuickly(store, huge, hugeConversation());
        Conversation small = conversation(alice, "small", T0);
        for (String text : List.of("one", "two", "three")) store.append(small.id(), NewMessage.of(Role.USER, text, T0));
        store.jdbi().useHandle(h -> h.execute(analyze()));

        // when / then: the store's answers, and the database's plans for its walks
        assertThat(contents(store.history(small.id(), PageRequest.first(100)).items())).containsExactly("one", "two", "three");
        assertThat(contents(store.recent(small.id(), Long.MAX_VALUE, 100))).containsExactly("three", "two", "one");
        assertThat(store.next(small.id(), Long.MIN_VALUE).map(Message::content)).contains("one");
        assertWalksOnlyItsRows(small.id());
    }

    /** Messages in the big conversation: enough for this database's planner to prefer the primary key, unled. */
    protected int hugeConversation() {
        return 20_000;
    }

    /** The statement that gathers the planner's statistics. */
    protected String analyze() {
        return "ANALYZE";
    }

    /** That the database walks conversation {@code id} forward and backward by its (conversation_id, id) range alone. */
    protected abstract void assertWalksOnlyItsRows(ConversationId id);

    /** The rows of an EXPLAIN statement (first column, or {@code column}) for the walks' bindings. */
    List<String> explain(String sql, ConversationId id) {
        return explain(sql, id, 1);
    }

    List<String> explain(String sql, ConversationId id, int column) {
        return explain(sql, id, (rs, ctx) -> rs.getString(column));
    }

    List<String> explain(String sql, ConversationId id, RowMapper<String> row) {
        return store.jdbi().withHandle(h -> h.createQuery(sql).bind("id", id.value()).bind("after", Long.MIN_VALUE).bind("before", Long.MAX_VALUE)
                .map(row).list());
    }

    // ---- helpers

    /** Appends many messages in one transaction: through the port, one commit (and fsync) each would take long. */
    static void appendQuickly(SqlStore s, Conversation c, int count) {
        s.jdbi().useTransaction(h -> {
            long id = h.createQuery("SELECT id FROM conversations WHERE session_id = :id").bind("id", c.id().value()).mapTo(Long.class).one();
            PreparedBatch batch = h.prepareBatch("INSERT INTO messages"
                    + " (conversation_id, role, content, status, created_at, prompt_tokens, completion_tokens)"
                    + " VALUES (:c, :role, :content, :status, :at, :n, :n)");
            for (int i = 0; i < count; i++) {
                batch.bind("c", id).bind("role", Role.values()[i % 3]).bind("content", "消息 " + i + " 😀")
                        .bind("status", MessageStatus.values()[i % 5]).bind("at", T0.plusMillis(i)).bind("n", i).add();
            }
            batch.execute();
            h.createUpdate("UPDATE conversations SET message_count = message_count + :n, updated_at = :at WHERE id = :c")
                    .bind("n", count).bind("at", T0.plusMillis(count)).bind("c", id).execute();
        });
    }

    /** The store with every row deleted, for subclasses that reuse one database across tests. */
    static SqlStore emptied(SqlStore s) {
        s.jdbi().useTransaction(h -> {
            for (String table : Schema.TABLES.reversed()) h.execute("DELETE FROM " + table);
        });
        return s;
    }

    /** A new database holding the Python backend's tables and data. */
    String legacyDatabase() throws Exception {
        String url = newDatabaseUrl();
        execute(url, script(legacyScript()));
        return url;
    }

    static long rowId(SqlStore s, ConversationId id) {
        return s.jdbi().withHandle(h -> h.createQuery("SELECT id FROM conversations WHERE session_id = :id").bind("id", id.value())
                .mapTo(Long.class).one());
    }

    static List<String> history(SqlStore s) {
        return s.jdbi().withHandle(h -> h.createQuery(
                        "SELECT version FROM " + SqlStore.HISTORY_TABLE + " WHERE success = :ok ORDER BY installed_rank")
                .bind("ok", true).mapTo(String.class).list());
    }

    static List<String> tables(SqlStore s) throws SQLException {
        return s.jdbi().withHandle(h -> List.copyOf(Schema.tables(h.getConnection())));
    }

    static List<String> tables(String url) throws SQLException {
        try (Connection c = connect(url)) {
            return List.copyOf(Schema.tables(c));
        }
    }

    static long rows(String url, String table) throws SQLException {
        try (Connection c = connect(url)) {
            return Schema.count(c, table);
        }
    }

    /** Runs statements on the database of a store URL, as another program would. */
    static void execute(String url, String... statements) throws SQLException {
        try (Connection c = connect(url); Statement st = c.createStatement()) {
            for (String sql : statements) st.execute(sql);
        }
    }

    static Connection connect(String url) throws SQLException {
        DatabaseUrl parsed = DatabaseUrl.parse(url);
        return DriverManager.getConnection(ServerPool.jdbcUrl(parsed), parsed.user().orElse(null), parsed.password().orElse(null));
    }

    /** The statements of a SQL resource: ';' ends a statement at the end of a line; '--' lines are comments. */
    static String[] script(String resource) throws IOException {
        try (InputStream in = StoreContractTest.class.getResourceAsStream("/" + resource)) {
            if (in == null) throw new IllegalArgumentException("no resource " + resource);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("(?m)^--.*\\n", "");
            return Arrays.stream(text.split(";[ \\t]*\\n")).map(String::strip).filter(sql -> !sql.isEmpty()).toArray(String[]::new);
        }
    }

    UserId user(String name) {
        return store.create(new NewUser(name, name + "@example.com", "hash", false, T0)).id();
    }

    Conversation conversation(UserId owner, String title, Instant at) {
        return store.create(ConversationId.random(), owner, title, "", at);
    }

    long rows(String table) {
        return store.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one());
    }

    List<Long> tokens(long messageId) {
        return store.jdbi().withHandle(h -> h.createQuery("SELECT prompt_tokens, completion_tokens FROM messages WHERE id = :id")
                .bind("id", messageId).map((rs, ctx) -> List.of(rs.getLong(1), rs.getLong(2))).one());
    }

    List<String> searchTitles(String text) {
        return store.search(alice, text, 10).stream().map(h -> h.conversation().title()).toList();
    }

    static List<String> titles(Page<Conversation> page) {
        return page.items().stream().map(Conversation::title).toList();
    }

    static List<String> contents(List<Message> messages) {
        return messages.stream().map(Message::content).toList();
    }

    static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** What {@code threads} threads each did ({@code work} given its number), all let go at the same moment. */
    static <T> List<T> atOnce(int threads, java.util.function.IntFunction<T> work) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    return work.apply(thread);
                }));
            }
            start.countDown();
        }
        List<T> done = new ArrayList<>();
        for (Future<T> r : results) done.add(r.get(1, TimeUnit.SECONDS));
        return done;
    }
}
