package dev.llmchat.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.core.ModelException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Records a stream and checks the listener contract: deltas, then exactly one terminal call, never overlapping. */
class RecordingListener implements ChatStreamListener {
    final List<String> deltas = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final AtomicInteger terminalCalls = new AtomicInteger();
    final CountDownLatch firstDelta = new CountDownLatch(1);
    volatile String partialText;
    private final AtomicInteger inCall = new AtomicInteger();
    private final CompletableFuture<Object> end = new CompletableFuture<>();

    @Override
    public void onDelta(String text) {
        enter("onDelta");
        if (text.isEmpty()) violations.add("empty delta");
        deltas.add(text);
        firstDelta.countDown();
        inCall.decrementAndGet();
    }

    @Override
    public void onComplete(ChatCompletion completion) {
        enter("onComplete");
        terminalCalls.incrementAndGet();
        inCall.decrementAndGet();
        end.complete(completion);
    }

    @Override
    public void onError(ModelException error, String partialText) {
        enter("onError");
        this.partialText = partialText;
        terminalCalls.incrementAndGet();
        inCall.decrementAndGet();
        end.complete(error);
    }

    String text() {
        return String.join("", deltas);
    }

    ChatCompletion awaitCompletion() {
        Object outcome = await();
        assertThat(outcome).as("outcome").isInstanceOf(ChatCompletion.class);
        return (ChatCompletion) outcome;
    }

    ModelException awaitError() {
        Object outcome = await();
        assertThat(outcome).as("outcome").isInstanceOf(ModelException.class);
        return (ModelException) outcome;
    }

    void awaitFirstDelta() throws InterruptedException {
        assertThat(firstDelta.await(5, TimeUnit.SECONDS)).as("a first delta arrived").isTrue();
    }

    /** Contract held: one terminal call, no overlap, nothing after the end. */
    void assertContractKept() {
        assertThat(violations).isEmpty();
        assertThat(terminalCalls).hasValue(1);
    }

    private Object await() {
        try {
            return end.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the stream did not end", e);
        }
    }

    private void enter(String call) {
        if (inCall.incrementAndGet() != 1) violations.add(call + " overlapped another call");
        if (end.isDone()) violations.add(call + " after the terminal call");
    }
}
