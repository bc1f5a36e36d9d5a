package dev.llmchat.llm.internal;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.core.FinishReason;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.Usage;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;

/**
 * One streamed reply: reads the server-sent events, relays text to the caller's listener and keeps the
 * listener's contract (deltas, then exactly one terminal call, never overlapping) with a per-stream lock
 * and a {@code done} flag. Cancellation, by the caller or by the watchdog, records why in {@code abort}
 * and cancels the event source; whichever thread then holds the lock first ends the stream with that reason.
 */
final class StreamCall extends EventSourceListener implements ChatStream, Watchdog.Watched {
    private static final System.Logger LOG = System.getLogger(StreamCall.class.getName());

    private final Target target;
    private final Timeouts timeouts;
    private final ChatStreamListener listener;
    private final long startNanos = System.nanoTime();
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicReference<ModelException> abort = new AtomicReference<>();
    // guarded by lock
    private final StringBuilder text = new StringBuilder();
    private FinishReason finishReason;
    private Usage usage = Usage.UNKNOWN;
    // written under lock or by the reading thread, read by the watchdog
    private volatile boolean done;
    private volatile long lastEventNanos;
    private volatile long firstTextNanos;
    private volatile int status;
    private volatile boolean opened;
    private volatile EventSource source;

    StreamCall(Target target, Timeouts timeouts, ChatStreamListener listener) {
        this.target = target;
        this.timeouts = timeouts;
        this.listener = listener;
    }

    void start(EventSource.Factory factory, Request request) {
        source = factory.newEventSource(request, this);
        if (abort.get() != null) source.cancel();
    }

    @Override
    public void cancel() {
        if (done) return;
        abort(Failures.cancelled(), source);
        lock.lock();
        try {
            if (!done) fail(abort.get());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean check(long now) {
        if (done) return false;
        long last = lastEventNanos;
        ModelException expired;
        if (now - startNanos > timeouts.total().toNanos()) expired = Failures.totalTimeout(timeouts.total());
        else if (last == 0 && now - startNanos > timeouts.firstToken().toNanos()) expired = Failures.firstTokenTimeout(timeouts.firstToken());
        else if (last != 0 && now - last > timeouts.idle().toNanos()) expired = Failures.idleTimeout(timeouts.idle());
        else return true;
        // the reading thread sees the cancellation as a failure and ends the stream with this reason
        abort(expired, source);
        return false;
    }

    @Override
    public void onOpen(EventSource eventSource, Response response) {
        status = response.code();
        opened = true;
    }

    @Override
    public void onEvent(EventSource eventSource, String id, String type, String data) {
        lastEventNanos = System.nanoTime();
        lock.lock();
        try {
            if (done) return;
            if (data.strip().equals("[DONE]")) {
                complete();
            } else if (!data.isBlank()) {
                Wire.Delta delta = Wire.parseChunk(data);
                if (delta.usage().known()) usage = delta.usage();
                if (delta.finishReason() != null) finishReason = FinishReason.fromWire(delta.finishReason());
                relay(delta.text(), eventSource);
            }
        } catch (ModelException e) {
            abort(e, eventSource);
            fail(e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onClosed(EventSource eventSource) {
        lock.lock();
        try {
            if (done) return;
            ModelException aborted = abort.get();
            if (aborted != null) fail(aborted);
            else if (finishReason != null) complete();
            else fail(Failures.incomplete(status));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onFailure(EventSource eventSource, Throwable t, Response response) {
        if (done) return;
        if (response != null) status = response.code();
        ChatCompletion whole = null;
        ModelException failure;
        try {
            if (response != null && !response.isSuccessful()) {
                failure = Failures.fromResponse(target, response);
            } else if (response != null && !opened && t instanceof IllegalStateException && isJson(response.body().contentType())) {
                // the server ignored "stream": true; its whole reply is one delta
                lastEventNanos = System.nanoTime();
                whole = Wire.parseCompletion(response.body().string());
                failure = null;
            } else if (response != null && !opened && t instanceof IllegalStateException) {
                failure = Failures.protocol("it answered with content type " + response.body().contentType() + " instead of an event stream", t);
            } else if (t instanceof IOException io) {
                failure = Failures.fromIo(io, target, status != 0, timeouts.idle(), timeouts.total(), status);
            } else {
                failure = Failures.protocol("reading the stream failed: " + t, t);
            }
        } catch (ModelException e) {
            failure = e;
        } catch (IOException e) {
            failure = Failures.fromIo(e, target, true, timeouts.idle(), timeouts.total(), status);
        }
        lock.lock();
        try {
            if (done) return;
            ModelException aborted = abort.get();
            if (aborted != null) {
                fail(aborted);
            } else if (failure != null) {
                fail(failure);
            } else {
                usage = whole.usage();
                finishReason = whole.finishReason();
                relay(whole.text(), eventSource);
                if (!done) complete();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Must hold the lock. */
    private void relay(String piece, EventSource eventSource) {
        if (piece.isEmpty()) return;
        if (firstTextNanos == 0) firstTextNanos = System.nanoTime();
        text.append(piece);
        try {
            listener.onDelta(piece);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the stream listener failed; stopping the stream", e);
            ModelException stop = Failures.cancelled();
            abort(stop, eventSource);
            fail(stop);
        }
    }

    /** Must hold the lock. */
    private void complete() {
        done = true;
        ChatCompletion completion = new ChatCompletion(text.toString(), finishReason == null ? FinishReason.fromWire(null) : finishReason, usage);
        CallLog.ended(target, true, status, startNanos, firstTextNanos, usage, null);
        try {
            listener.onComplete(completion);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the stream listener failed in onComplete", e);
        }
    }

    /** Must hold the lock. */
    private void fail(ModelException error) {
        done = true;
        CallLog.ended(target, true, status, startNanos, firstTextNanos, usage, error);
        try {
            listener.onError(error, text.toString());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the stream listener failed in onError", e);
        }
    }

    /** Records the first reason to stop and cancels the upstream call; later reasons are ignored. */
    private void abort(ModelException why, EventSource eventSource) {
        if (abort.compareAndSet(null, why) && eventSource != null) eventSource.cancel();
    }

    private static boolean isJson(MediaType type) {
        return type != null && (type.subtype().equals("json") || type.subtype().endsWith("+json"));
    }
}
