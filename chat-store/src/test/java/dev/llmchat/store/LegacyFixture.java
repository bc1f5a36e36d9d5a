package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.CustomModel;
import dev.llmchat.core.Message;
import dev.llmchat.core.MessageStatus;
import dev.llmchat.core.ModelSettings;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.Role;
import dev.llmchat.core.User;
import dev.llmchat.core.UserId;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** What the Python backend's data in {@code src/test/resources/legacy/*.sql} must look like through the ports after an upgrade. */
final class LegacyFixture {
    /** The legacy owner, {@code default_user} and {@code alice}. */
    static final long ACCOUNTS = 3;
    static final long MESSAGES = 9;
    static final long MAX_MESSAGE_ID = 10;
    static final long MAX_CONVERSATION_ID = 5;

    private LegacyFixture() {
    }

    static void assertImported(SqlStore store, StoreOptions options, boolean fractions) {
        Times t = new Times(fractions);
        User owner = store.findByUsername(options.legacyOwner()).orElseThrow();
        User defaultUser = store.findByUsername("default_user").orElseThrow();
        User alice = store.findByUsername("alice").orElseThrow();
        assertThat(store.count()).isEqualTo(ACCOUNTS);
        assertThat(owner.passwordHash()).isEqualTo(options.legacyOwnerPasswordHash());
        assertThat(List.of(defaultUser.passwordHash(), alice.passwordHash())).containsOnly(StoreOptions.LOCKED_PASSWORD_HASH);
        assertThat(owner.admin()).isTrue();
        assertThat(List.of(defaultUser, alice)).allSatisfy(u -> assertThat(u.admin()).isFalse());
        assertThat(List.of(owner, defaultUser, alice)).allSatisfy(u -> {
            assertThat(u.active()).isTrue();
            assertThat(u.email()).isEmpty();
        });

        UserId o = owner.id();
        Conversation hangzhou = conversation("c0a8012e-5f3b-4d6a-9e1f-2b7c8d9e0a11", o, "周末去杭州玩 🏞️",
                t.at("2025-10-02 10:00:00.123456"), t.at("2025-10-02 10:05:30.654321"), 4);
        Conversation untitled = conversation("5b1e7c3a-2d4f-4e8b-a6c9-0f1e2d3c4b5a", o, options.defaultTitle(),
                t.at("2025-10-03 08:00:00"), t.at("2025-10-03 08:00:00"), 1);
        Conversation kotlin = conversation("9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d", o, "Kotlin vs. Java: 100% honest_take",
                t.at("2025-10-04 21:15:00.5"), t.at("2025-10-04 21:20:00"), 2);
        Conversation empty = conversation("0e4f3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f", o, "空对话",
                t.at("2025-10-05 00:00:00"), t.at("2025-10-05 00:00:00"), 0);
        Conversation oldClient = conversation("legacy-5", o, "Old client", t.at("2025-10-05 09:30:00.0001"), t.at("2025-10-05 09:31:00"), 2);
        assertThat(store.list(o, PageRequest.all()).items()).containsExactly(oldClient, empty, kotlin, untitled, hangzhou);

        assertThat(history(store, hangzhou)).containsExactly(
                new Message(1, Role.USER, "我们周末想去杭州，有什么推荐的路线吗？😊", MessageStatus.COMPLETE, t.at("2025-10-02 10:00:05.000001")),
                new Message(2, Role.ASSISTANT, "推荐一条经典路线：\n1. 上午：西湖断桥 → 白堤 🌸\n2. 中午：楼外楼，西湖醋鱼 🐟\n3. 下午：灵隐寺 🙏\n\n祝你玩得开心！",
                        MessageStatus.COMPLETE, t.at("2025-10-02 10:00:20.25")),
                new Message(3, Role.USER, "谢谢！👍 \"西湖醋鱼\" 好吃吗？", MessageStatus.COMPLETE, t.at("2025-10-02 10:05:00")),
                new Message(4, Role.ASSISTANT, "见仁见智 — it's sweet & sour（酸甜口）。", MessageStatus.COMPLETE, t.at("2025-10-02 10:05:30.654321")));
        assertThat(history(store, untitled)).containsExactly(
                new Message(5, Role.USER, "Hello? Is anyone there 👀", MessageStatus.COMPLETE, t.at("2025-10-03 08:00:01")));
        assertThat(history(store, kotlin)).containsExactly(
                new Message(7, Role.USER, "Which is better, really?", MessageStatus.COMPLETE, t.at("2025-10-04 21:15:10")),
                new Message(8, Role.ASSISTANT, "It depends 🤷 — 'quotes', \"double quotes\", 50% of the time_ish.\nSecond line.",
                        MessageStatus.COMPLETE, t.at("2025-10-04 21:16:00.999999")));
        assertThat(history(store, empty)).isEmpty();
        assertThat(history(store, oldClient)).containsExactly(
                new Message(9, Role.USER, "hi", MessageStatus.COMPLETE, t.at("2025-10-05 09:30:30")),
                new Message(10, Role.ASSISTANT, "Hello! 你好！", MessageStatus.COMPLETE, t.at("2025-10-05 09:31:00")));
        assertThat(store.search(o, "西湖醋鱼", 10)).extracting(h -> h.conversation().id()).containsExactly(hangzhou.id());

        assertThat(store.find(defaultUser.id())).contains(new ModelSettings("deepseek", 2000, Optional.empty()));
        assertThat(store.find(alice.id())).contains(new ModelSettings(ModelSettings.CUSTOM, 4096,
                Optional.of(new CustomModel("http://10.0.0.5:8000/v1", "Qwen/Qwen2.5-7B-Instruct", "sk-local-123"))));
        assertThat(store.find(o)).isEmpty();
    }

    private static Conversation conversation(String id, UserId owner, String title, Instant created, Instant updated, long messages) {
        return new Conversation(new ConversationId(id), owner, title, "", created, updated, messages);
    }

    private static List<Message> history(SqlStore store, Conversation c) {
        return store.history(c.id(), PageRequest.all()).items();
    }

    /** A naive UTC DATETIME as stored: to the millisecond, or to the second where the database dropped fractions. */
    private record Times(boolean fractions) {
        Instant at(String naiveUtc) {
            Instant at = LocalDateTime.parse(naiveUtc.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            return at.truncatedTo(fractions ? ChronoUnit.MILLIS : ChronoUnit.SECONDS);
        }
    }
}
