package dev.llmchat.bench;

import dev.llmchat.core.ChatEngine;
import dev.llmchat.core.ChatInput;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.ModelPreset;
import dev.llmchat.core.NewUser;
import dev.llmchat.core.Turn;
import dev.llmchat.core.UserId;
import dev.llmchat.store.SqlStore;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * One non-streamed turn through the public API with the real store: {@link ChatEngine#reply} on a
 * conversation that started with 100 messages, against a model that answers at once, on SQLite (a new file,
 * WAL, synchronous=FULL as the store sets it) and PostgreSQL. What is measured is the server's work per turn
 * without HTTP: the settings and conversation rows, the new history rows, the prompt, the question's commit
 * and the reply's commit (two fsyncs on SQLite). One thread, so no group commit: the latency a lone client
 * sees. System properties as {@link StoreBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TurnBench {
    @Param({"sqlite", "postgresql"})
    public String db;

    private SqlStore store;
    private ChatEngine engine;
    private UserId owner;
    private ConversationId conversation;
    private ChatInput input;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        store = SqlStore.open(StoreBench.Database.of(db, "turns-" + System.nanoTime() + ".db").url());
        engine = ChatEngine.builder(store, store, PromptBench.answeringAtOnce("好的🙂，我们继续。"))
                .presets(List.of(new ModelPreset("bench", "Bench", "http://127.0.0.1:9/v1", "fake", "", 32768)))
                .build();
        owner = store.create(new NewUser("bench_turns_" + System.nanoTime(), "", "locked", false, Instant.now())).id();
        conversation = engine.startConversation(owner, "性能", "").id();
        for (int i = 0; i < 50; i++) {
            StringBuilder text = new StringBuilder();
            for (int k = 0; k < 24; k++) text.append(Script.piece(i, k));
            engine.reply(owner, conversation, ChatInput.of(text.toString()));
        }
        input = ChatInput.of("请用中文回答，简短一些。🙂 今天我们来讨论性能优化🚀");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        store.close();
    }

    @Benchmark
    public Turn turn() {
        return engine.reply(owner, conversation, input);
    }
}
