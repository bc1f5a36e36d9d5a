package dev.llmchat.core;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One reply being streamed: relays the model's deltas to every attached listener (the sender, and
 * clients that reconnect or follow from elsewhere), keeps the chunks so a follower can catch up, and
 * writes the reply as it grows — a {@code STREAMING} row from the first token, rewritten at most every
 * flush interval off the relay path, then finished {@code COMPLETE}, {@code INCOMPLETE} or {@code ERROR}.
 * Retries transient failures that happen before the first token. The model is cancelled when the last
 * listener leaves or on {@link #stop}.
 */
final class LiveTurn implements ChatStreamListener {
    private static final System.Logger LOG = System.getLogger(LiveTurn.class.getName());

    /** What the engine does around a turn: the parts of it that are not streaming. */
    interface Host {
        ConversationStore store();

        ChatModel model();

        Executor writer();

        ScheduledExecutorService scheduler();

        java.time.Instant now();

        /**
         * Called once, after the reply is stored and before listeners hear the end. A stored {@code reply} (not
         * null) ended the turn in the store with it; without one, the turn is still to be freed.
         */
        void ended(LiveTurn turn, Message reply, ChatException error, Usage usage);
    }

    final Host host;
    final ChatEngine.Prepared turn;
    private final Retry retry;
    private final long flushNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<String> chunks = new ArrayList<>();
    private final StringBuilder text = new StringBuilder();
    private final List<ReplyListener> listeners = new ArrayList<>();
    private CompletableFuture<Void> writes = CompletableFuture.completedFuture(null);
    private volatile long replyId;
    private long lastFlushNanos;
    private boolean ended;
    private boolean cancelled;
    private int attempt;
    private ChatStream upstream;
    private ScheduledFuture<?> pendingRetry;

    LiveTurn(Host host, ChatEngine.Prepared turn, Retry retry, java.time.Duration flushInterval) {
        this.host = host;
        this.turn = turn;
        this.retry = retry;
        this.flushNanos = flushInterval.toNanos();
    }

    /** Takes over the first call, already started; {@code primary} is the sender's listener. */
    ChatStream start(ReplyListener primary, EarlyCall first) {
        ChatStream handle = attach(primary, -1);
        call(first);
        return handle;
    }

    private void call(EarlyCall early) {
        boolean stopped;
        lock.lock();
        try {
            if (ended) return;
            stopped = cancelled;
            if (!stopped) attempt++;
        } finally {
            lock.unlock();
        }
        if (stopped) {
            if (early != null) early.abandon();
            onError(new ModelException(ModelFailure.CANCELLED, "The reply was stopped"), "");
            return;
        }
        ChatStream s = early != null ? early.handTo(this) : host.model().stream(turn.request(), this);
        boolean cancelNow;
        lock.lock();
        try {
            upstream = s;
            cancelNow = cancelled && !ended;
        } finally {
            lock.unlock();
        }
        if (cancelNow) s.cancel();
    }

    /**
     * Attaches a listener that first hears the chunks after index {@code after} (-1: all), then the rest
     * live. Returns its handle: cancelling it detaches the listener (the last one out cancels the model).
     */
    ChatStream attach(ReplyListener listener, int after) {
        lock.lock();
        try {
            if (ended) throw new NotFoundException("no_live_reply", "No reply is being written in this conversation; read its history");
            for (int i = Math.max(0, after + 1); i < chunks.size(); i++) listener.onDelta(chunks.get(i));
            listeners.add(listener);
        } finally {
            lock.unlock();
        }
        return () -> detach(listener);
    }

    private void detach(ReplyListener listener) {
        boolean cancelNow;
        lock.lock();
        try {
            if (!listeners.remove(listener) || ended || !listeners.isEmpty()) return;
            cancelNow = true;
        } finally {
            lock.unlock();
        }
        if (cancelNow) stop();
    }

    /** Cancels the model call (or a pending retry); what was written is kept as {@code INCOMPLETE}. */
    void stop() {
        ChatStream s;
        ScheduledFuture<?> retrying;
        lock.lock();
        try {
            if (ended || cancelled) return;
            cancelled = true;
            s = upstream;
            retrying = pendingRetry;
        } finally {
            lock.unlock();
        }
        if (retrying != null && retrying.cancel(false)) {
            onError(new ModelException(ModelFailure.CANCELLED, "The reply was stopped"), "");
        } else if (s != null) {
            s.cancel();
        }
    }

    @Override
    public void onDelta(String delta) {
        lock.lock();
        try {
            if (ended) return;
            chunks.add(delta);
            text.append(delta);
            long now = System.nanoTime();
            if (replyId == 0 && chunks.size() == 1) {
                String snapshot = text.toString();
                lastFlushNanos = now;
                write(() -> replyId = host.store().append(turn.conversation().id(),
                        new NewMessage(Role.ASSISTANT, snapshot, MessageStatus.STREAMING, host.now(), 0, 0)).id());
            } else if (now - lastFlushNanos >= flushNanos) {
                String snapshot = text.toString();
                lastFlushNanos = now;
                write(() -> host.store().update(turn.conversation().id(), replyId, snapshot, MessageStatus.STREAMING, 0, 0));
            }
            for (ReplyListener l : listeners) l.onDelta(delta);
        } finally {
            lock.unlock();
        }
    }

    /** Queues a write behind the previous ones, off the relay path; writes of one reply never reorder. */
    private void write(Runnable task) {
        writes = writes.thenRunAsync(task, host.writer());
    }

    @Override
    public void onComplete(ChatCompletion completion) {
        if (!markEnding()) return;
        Usage usage = completion.usage();
        Message reply = null;
        ChatException failure = null;
        try {
            reply = finish(completion.text(), MessageStatus.COMPLETE, usage);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "storing the reply of " + turn.conversation().id() + " failed", e);
            failure = new ChatException("storage_failed", "The reply could not be saved; please try again.");
        }
        end(reply, failure, usage);
    }

    @Override
    public void onError(ModelException error, String partialText) {
        lock.lock();
        try {
            if (ended) return;
            if (chunks.isEmpty() && !cancelled) {
                long elapsed = (System.nanoTime() - turn.startNanos()) / 1_000_000;
                long wait = retry.delayMillis(error, attempt, elapsed);
                if (wait >= 0) {
                    LOG.log(Level.INFO, "model call for {0} failed ({1}); retry {2} in {3} ms",
                            turn.conversation().id(), error.failure(), attempt, wait);
                    upstream = null;
                    pendingRetry = host.scheduler().schedule(() -> call(null), wait, TimeUnit.MILLISECONDS);
                    return;
                }
            }
        } finally {
            lock.unlock();
        }
        if (!markEnding()) return;
        String partial = currentText();
        Message stored = null;
        if (!partial.isEmpty()) {
            try {
                stored = finish(partial, error.failure() == ModelFailure.CANCELLED ? MessageStatus.INCOMPLETE : MessageStatus.ERROR, Usage.UNKNOWN);
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "storing the partial reply of " + turn.conversation().id() + " failed", e);
            }
        }
        end(stored, error, Usage.UNKNOWN);
    }

    private boolean ending;

    /** True for the one caller that ends the turn; later terminal calls are ignored. */
    private boolean markEnding() {
        lock.lock();
        try {
            if (ended || ending) return false;
            ending = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private String currentText() {
        lock.lock();
        try {
            return text.toString();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for queued writes, then writes the final row and ends the turn, in one transaction. */
    private Message finish(String content, MessageStatus status, Usage usage) {
        CompletableFuture<Void> pending;
        lock.lock();
        try {
            pending = writes;
        } finally {
            lock.unlock();
        }
        try {
            pending.join();
        } catch (CompletionException e) {
            LOG.log(Level.WARNING, "an intermediate write of " + turn.conversation().id() + " failed; writing the final reply", e.getCause());
        }
        return host.store().finishTurn(turn.conversation().id(), turn.turnId(), replyId,
                new NewMessage(Role.ASSISTANT, content, status, host.now(), usage.promptTokens(), usage.completionTokens()));
    }

    private void end(Message reply, ChatException error, Usage usage) {
        host.ended(this, reply, error, usage);
        List<ReplyListener> toTell;
        lock.lock();
        try {
            ended = true;
            toTell = List.copyOf(listeners);
            listeners.clear();
        } finally {
            lock.unlock();
        }
        Consumer<ReplyListener> tell = error == null ? l -> l.onComplete(reply) : l -> l.onError(error);
        for (ReplyListener l : toTell) {
            try {
                tell.accept(l);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a reply listener failed", e);
            }
        }
    }
}
