package dev.llmchat.bench;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatMessage;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.core.ModelEndpoint;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.Role;
import dev.llmchat.llm.OpenAiChatModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * SSE chunk parse → relay → write: one streamed reply of {@code chunks} chunks through {@link OpenAiChatModel}
 * (OkHttp, okhttp-sse, chat-llm's parsing) from a fake upstream in this JVM that writes the whole stream at
 * once (so its pacing is out of the way), each delta framed and written as the server's SseRelay does (to
 * memory, not a socket). The cost per chunk is the difference between 256 and 1 chunk, divided by 255.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RelayBench {
    @Param({"1", "256"})
    public int chunks;

    private FakeUpstream fake;
    private OpenAiChatModel model;
    private ChatRequest request;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        fake = new FakeUpstream("127.0.0.1", 0);
        model = OpenAiChatModel.create();
        ModelEndpoint endpoint = new ModelEndpoint(fake.baseUrl(), "fake", "bench", 8192, true);
        request = new ChatRequest(endpoint, List.of(new ChatMessage(Role.USER, new Script(chunks, -1, 0, 1).message())), 0.7, 1000);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        fake.close();
    }

    @Benchmark
    public int stream() throws Exception {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        ByteArrayOutputStream client = new ByteArrayOutputStream(256);
        model.stream(request, new ChatStreamListener() {
            @Override
            public void onDelta(String text) {
                StringBuilder sb = new StringBuilder(text.length() + 8).append('"');
                JsonStringEncoder.getInstance().quoteAsString(text, sb);
                client.writeBytes(("data: {\"chunk\": " + sb.append('"') + "}\n\n").getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void onComplete(ChatCompletion completion) {
                done.complete(client.size() + completion.text().length());
            }

            @Override
            public void onError(ModelException error, String partialText) {
                done.completeExceptionally(error);
            }
        });
        return done.get(10, TimeUnit.SECONDS);
    }
}
