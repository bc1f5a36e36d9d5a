package dev.llmchat.bench;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatEngine;
import dev.llmchat.core.ChatInput;
import dev.llmchat.core.ChatModel;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.ConversationStore;
import dev.llmchat.core.FinishReason;
import dev.llmchat.core.Message;
import dev.llmchat.core.MessageStatus;
import dev.llmchat.core.ModelPreset;
import dev.llmchat.core.NewMessage;
import dev.llmchat.core.Role;
import dev.llmchat.core.SettingsStore;
import dev.llmchat.core.Turn;
import dev.llmchat.core.Usage;
import dev.llmchat.core.UserId;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Prompt assembly with context trimming, through the public API: {@link ChatEngine#reply} on a conversation
 * with {@code history} stored messages, against a model that answers at once and an in-memory store, so what
 * is measured is the engine's own work per turn (checks, settings, reading history pages, counting tokens
 * with JTokkit, trimming to the {@code window}, building the request, bookkeeping). The context window is
 * package-private in the core, hence the whole turn. The store is a dynamic proxy over the public ports (so it
 * follows their changes): history is fixed (appends are answered, not kept), turns are always granted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PromptBench {
    @Param({"1000", "100000"})
    public int history;

    @Param({"8192", "32768"})
    public int window;

    private static final UserId OWNER = new UserId(1);
    private static final ConversationId ID = new ConversationId("bench-prompt");

    private ChatEngine engine;
    private ChatInput input;

    @Setup(Level.Trial)
    public void setup() {
        List<Message> messages = new ArrayList<>(history);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < history; i++) {
            // ~40-70 tokens each, Chinese and emoji as in real chats
            StringBuilder text = new StringBuilder();
            for (int k = 0; k < 24; k++) text.append(Script.piece(i, k));
            messages.add(new Message(i + 1, i % 2 == 0 ? Role.USER : Role.ASSISTANT, text.toString(), MessageStatus.COMPLETE, t0.plusSeconds(i)));
        }
        Object store = memoryStore(messages, t0);
        engine = ChatEngine.builder((ConversationStore) store, (SettingsStore) store, answeringAtOnce("好的🙂"))
                .presets(List.of(new ModelPreset("bench", "Bench", "http://127.0.0.1:9/v1", "fake", "", window)))
                .retention(0)
                .build();
        input = ChatInput.of("请用中文回答，简短一些。🙂 今天我们来讨论性能优化🚀");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    @Benchmark
    public Turn reply() {
        return engine.reply(OWNER, ID, input);
    }

    /** A model that answers {@code reply} at once, whole or as one chunk. */
    static ChatModel answeringAtOnce(String reply) {
        return new ChatModel() {
            @Override
            public ChatCompletion complete(ChatRequest request) {
                return new ChatCompletion(reply, FinishReason.STOP, Usage.UNKNOWN);
            }

            @Override
            public ChatStream stream(ChatRequest request, ChatStreamListener listener) {
                listener.onDelta(reply);
                listener.onComplete(new ChatCompletion(reply, FinishReason.STOP, Usage.UNKNOWN));
                return () -> { };
            }
        };
    }

    /** The ports over a fixed list of messages (ids 1..n), answering by method name. */
    static Object memoryStore(List<Message> messages, Instant t0) {
        Conversation conversation = new Conversation(ID, OWNER, "新对话x", "", t0, t0, messages.size());
        AtomicLong nextId = new AtomicLong(messages.size() + 1L);
        return Proxy.newProxyInstance(PromptBench.class.getClassLoader(), new Class<?>[] {ConversationStore.class, SettingsStore.class}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "find":
                    return args.length == 2 ? Optional.of(conversation) : Optional.empty();
                case "recent": {
                    long before = (Long) args[1];
                    int limit = (Integer) args[2];
                    int from = (int) Math.min(before - 1, messages.size());
                    List<Message> page = new ArrayList<>(Math.min(limit, Math.max(from, 0)));
                    for (int i = from; i > 0 && page.size() < limit; i--) page.add(messages.get(i - 1));
                    return page;
                }
                case "append":
                case "appendQuestion": {
                    NewMessage m = (NewMessage) args[1];
                    return new Message(nextId.getAndIncrement(), m.role(), m.content(), m.status(), m.createdAt());
                }
                case "startTurn": {
                    NewMessage m = (NewMessage) args[4];
                    return Optional.of(new Message(nextId.getAndIncrement(), m.role(), m.content(), m.status(), m.createdAt()));
                }
                case "finishTurn": {
                    NewMessage m = (NewMessage) args[3];
                    return new Message(nextId.getAndIncrement(), m.role(), m.content(), m.status(), m.createdAt());
                }
                case "beginTurn":
                    return true;
                case "retitle":
                    return false;
                case "next":
                case "findQuestion":
                    return Optional.empty();
                case "endTurn":
                case "update":
                case "save":
                    return null;
                case "interruptOrphans":
                case "deleteOldest":
                    return 0;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                case "toString":
                    return "memory store";
                default:
                    throw new UnsupportedOperationException("the prompt benchmark's store does not do " + method.getName());
            }
        });
    }
}
