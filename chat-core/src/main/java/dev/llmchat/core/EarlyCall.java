package dev.llmchat.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A streamed model call started while the turn's question is still being committed, so that the model
 * thinks while the database syncs. What the model sends meanwhile is held back, not relayed: nothing reaches
 * a client before its question is stored. Once the commit is done the call is handed to the turn, which
 * hears everything in order; if the commit fails the call is cancelled and what it sent is dropped.
 */
final class EarlyCall implements ChatStreamListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Consumer<ChatStreamListener>> held = new ArrayList<>();
    /** Set once what was held back has been replayed; the model's calls never overlap, so after that they go straight through. */
    private volatile ChatStreamListener target;
    private boolean dropped;
    private ChatStream stream;
    private RuntimeException failedToStart;

    private EarlyCall() {
    }

    static EarlyCall start(ChatModel model, ChatRequest request) {
        EarlyCall call = new EarlyCall();
        try {
            call.stream = model.stream(request, call);
        } catch (RuntimeException e) {
            // thrown at the caller once the question is stored, as a call started then would have
            call.failedToStart = e;
        }
        return call;
    }

    /**
     * Hands the call to {@code listener}, which hears what was held back, then the rest; returns the call's handle.
     * What was held back is replayed on a thread of its own: a reply that has already ended would otherwise be
     * stored (commits) before the caller could relay its first chunk.
     */
    ChatStream handTo(ChatStreamListener listener) {
        if (failedToStart != null) throw failedToStart;
        lock.lock();
        try {
            if (held.isEmpty()) {
                target = listener;
                return stream;
            }
        } finally {
            lock.unlock();
        }
        Thread.ofVirtual().name("early-call-replay").start(() -> replay(listener));
        return stream;
    }

    private void replay(ChatStreamListener listener) {
        lock.lock();
        try {
            // events that arrive meanwhile are held behind these, or wait for the lock; none overtakes them
            for (Consumer<ChatStreamListener> event : held) event.accept(listener);
            held.clear();
            target = listener;
        } finally {
            lock.unlock();
        }
    }

    /** The question was not stored: cancels the call and drops whatever it sends. */
    void abandon() {
        lock.lock();
        try {
            dropped = true;
            held.clear();
        } finally {
            lock.unlock();
        }
        if (stream != null) stream.cancel();
    }

    /** True when the event was held back or dropped; false when {@code target} should hear it now. */
    private boolean hold(Consumer<ChatStreamListener> event) {
        lock.lock();
        try {
            if (dropped) return true;
            if (target != null) return false;
            held.add(event);
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onDelta(String text) {
        if (target == null && hold(l -> l.onDelta(text))) return;
        target.onDelta(text);
    }

    @Override
    public void onComplete(ChatCompletion completion) {
        if (target == null && hold(l -> l.onComplete(completion))) return;
        target.onComplete(completion);
    }

    @Override
    public void onError(ModelException error, String partialText) {
        if (target == null && hold(l -> l.onError(error, partialText))) return;
        target.onError(error, partialText);
    }
}
