package dev.llmchat.server;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatModel;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.core.ModelException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts model calls by outcome and times them (time to first token, whole stream) for {@code /metrics},
 * around whichever {@link ChatModel} the server uses. Per chunk it costs one volatile read.
 */
final class MeteredChatModel implements ChatModel {
    private final ChatModel delegate;
    private final MeterRegistry registry;
    private final Timer firstToken;
    private final Timer streamDuration;
    private final Timer completeDuration;
    private final AtomicInteger activeStreams = new AtomicInteger();

    MeteredChatModel(ChatModel delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        this.firstToken = Timer.builder("llmchat.upstream.first.token").description("Time from request to the first streamed token")
                .publishPercentileHistogram().register(registry);
        this.streamDuration = Timer.builder("llmchat.upstream.stream.duration").description("Whole streamed replies")
                .publishPercentileHistogram().register(registry);
        this.completeDuration = Timer.builder("llmchat.upstream.complete.duration").description("Non-streamed replies")
                .publishPercentileHistogram().register(registry);
        registry.gauge("llmchat.streams.active", activeStreams);
    }

    private void count(String mode, String outcome) {
        Counter.builder("llmchat.upstream.calls").tag("mode", mode).tag("outcome", outcome).register(registry).increment();
    }

    private static String outcome(ModelException e) {
        return e.failure().name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public ChatCompletion complete(ChatRequest request) {
        long start = System.nanoTime();
        try {
            ChatCompletion c = delegate.complete(request);
            count("complete", "ok");
            return c;
        } catch (ModelException e) {
            count("complete", outcome(e));
            throw e;
        } finally {
            completeDuration.record(Duration.ofNanos(System.nanoTime() - start));
        }
    }

    @Override
    public ChatStream stream(ChatRequest request, ChatStreamListener listener) {
        long start = System.nanoTime();
        activeStreams.incrementAndGet();
        try {
            return delegate.stream(request, listener(listener, start));
        } catch (RuntimeException e) {
            activeStreams.decrementAndGet();
            throw e;
        }
    }

    private ChatStreamListener listener(ChatStreamListener listener, long start) {
        return new ChatStreamListener() {
            private volatile boolean started;

            @Override
            public void onDelta(String text) {
                if (!started) {
                    started = true;
                    firstToken.record(Duration.ofNanos(System.nanoTime() - start));
                }
                listener.onDelta(text);
            }

            @Override
            public void onComplete(ChatCompletion completion) {
                finish("ok");
                listener.onComplete(completion);
            }

            @Override
            public void onError(ModelException error, String partialText) {
                finish(outcome(error));
                listener.onError(error, partialText);
            }

            private void finish(String outcome) {
                activeStreams.decrementAndGet();
                streamDuration.record(Duration.ofNanos(System.nanoTime() - start));
                count("stream", outcome);
            }
        };
    }
}
