package dev.llmchat.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.llmchat.core.ChatException;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.Message;
import dev.llmchat.core.ReplyListener;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Relays one streamed reply to the HTTP client in the seed's framing ({@code data: {"chunk": …}},
 * {@code data: {"done": true}}, {@code data: {"error": …}}). A failure before the first chunk becomes a plain
 * JSON error; once the stream has begun it is an {@code error} event. While the model is silent, {@code : ping}
 * comments keep proxies from cutting the stream and reveal a client that left, whose upstream call is then
 * cancelled.
 *
 * <p>The response is written with the servlet's non-blocking output, by whichever thread brings the event:
 * the model's reader writes its chunk straight to the client's socket. What the socket cannot take at once
 * waits here, in order, and leaves when the container says the socket can take more ({@link #onWritePossible}),
 * so a slow client never stalls the model's reader, the turn's other listeners or its storage. The request
 * itself is asynchronous ({@link #start}): no thread waits for the reply. An earlier relay had the request's
 * thread take each chunk from a queue and write it; that hand-off cost a park and an unpark of a virtual
 * thread per chunk, the largest cost of a paced stream besides the socket calls themselves (profiled).
 *
 * <p>Chunks that arrive together leave together: once the model has shown that it says when it has nothing
 * more at hand ({@link #onPause}), chunks are written as they come and flushed at its pause, one socket write
 * for all the chunks of one read from the model. Until then, and for a model that never pauses, each chunk
 * is flushed at once. Either way no chunk waits for a later one.
 *
 * <p>Lock order: the turn's lock (it calls the listener methods holding it), then this relay's, then the
 * container's. Nothing here calls back into the turn ({@link ChatStream#cancel}) or completes the request
 * while holding this relay's lock.
 */
final class SseRelay implements ReplyListener, WriteListener {
    private static final byte[] DONE = Json.utf8("data: {\"done\": true}\n\n");
    private static final byte[] PING = Json.utf8(": ping\n\n");

    private final Pings pings;
    private final ReentrantLock lock = new ReentrantLock();
    /** Frames not yet written: those that came before the response opened, or while the socket was full. */
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    /** Completes when the last frame left or the client is gone; exceptionally when the reply failed before it began. */
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private Context ctx;
    private ChatStream stream;
    /** Set once the response is open: headers set, non-blocking mode. */
    private ServletOutputStream out;
    /** A failure before the reply began, waiting for {@link #start}. */
    private ChatException failedEarly;
    private boolean started;
    /** The last frame (done or error) is queued; nothing after it is. */
    private boolean lastQueued;
    /** Written but not flushed. */
    private boolean unflushed;
    /** The model says when it has nothing more at hand: flushes can wait for its pause. */
    private boolean pausing;
    /** The relay has ended: the last frame left, the client is gone, or the failure was handed on. */
    private boolean finished;
    /** The client left (a write failed) before the last frame left. */
    private boolean clientGone;
    /** When the client was last sent something, or the relay began ({@link System#nanoTime}). */
    private volatile long lastSent = System.nanoTime();

    SseRelay(Pings pings) {
        this.pings = pings;
    }

    /** One timer for every open relay: pings each one that has been silent for the interval. */
    static final class Pings implements AutoCloseable {
        private final long intervalNanos;
        private final Set<SseRelay> open = ConcurrentHashMap.newKeySet();
        private final ScheduledExecutorService timer;

        Pings(Duration interval) {
            this.intervalNanos = interval.toNanos();
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("sse-pings").unstarted(r));
            // a silent stream is pinged between one and one and a quarter intervals after its last event
            long period = Math.max(intervalNanos / 4, TimeUnit.MILLISECONDS.toNanos(50));
            timer.scheduleAtFixedRate(this::tick, period, period, TimeUnit.NANOSECONDS);
        }

        private void tick() {
            long now = System.nanoTime();
            for (SseRelay r : open) {
                if (now - r.lastSent >= intervalNanos) r.ping(now, intervalNanos);
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /**
     * Takes over the request, which is asynchronous from here on (call it in {@code ctx.future}): the
     * returned future completes when the reply has been relayed or the client left, and fails with the
     * reply's error when it failed before it began (to be answered as a plain JSON error).
     */
    CompletableFuture<Void> start(Context ctx, ChatStream stream) {
        boolean ended;
        lock.lock();
        try {
            this.ctx = ctx;
            this.stream = stream;
            started = true;
            if (failedEarly != null) {
                finished = true;
                return CompletableFuture.failedFuture(failedEarly);
            }
            pings.open.add(this);
            ended = !queue.isEmpty() && write(true);
        } finally {
            lock.unlock();
        }
        after(ended);
        return done;
    }

    @Override
    public void onDelta(String text) {
        StringBuilder frame = new StringBuilder(text.length() + 24).append("data: {\"chunk\": \"");
        JsonStringEncoder.getInstance().quoteAsString(text, frame);
        send(Json.utf8(frame.append("\"}\n\n").toString()), false);
    }

    @Override
    public void onComplete(Message reply) {
        send(DONE, true);
    }

    @Override
    public void onError(ChatException error) {
        boolean beforeFirst = false;
        lock.lock();
        try {
            if (finished || lastQueued) return;
            if (out == null && queue.isEmpty()) {
                // nothing was sent: the request fails as a whole
                if (!started) {
                    failedEarly = error;
                    return;
                }
                finished = true;
                beforeFirst = true;
            }
        } finally {
            lock.unlock();
        }
        if (beforeFirst) {
            pings.open.remove(this);
            done.completeExceptionally(error);
        } else {
            send(Json.utf8("data: {\"error\": " + Json.quote(error.getMessage()) + "}\n\n"), true);
        }
    }

    /** Queues a frame and writes what the socket takes now. */
    private void send(byte[] frame, boolean last) {
        boolean gone;
        lock.lock();
        try {
            if (lastQueued || finished) return;
            queue.add(frame);
            lastQueued = last;
            if (!started) return;
            gone = write(last || !pausing);
        } finally {
            lock.unlock();
        }
        after(gone);
    }

    /** Pings the client if it has still heard nothing for the interval (from the timer thread). */
    private void ping(long now, long intervalNanos) {
        boolean gone;
        lock.lock();
        try {
            if (finished || lastQueued || !started || now - lastSent < intervalNanos) return;
            queue.add(PING);
            gone = write(true);
        } finally {
            lock.unlock();
        }
        after(gone);
    }

    @Override
    public void onPause() {
        boolean gone;
        lock.lock();
        try {
            pausing = true;
            if (!started || !unflushed && queue.isEmpty()) return;
            gone = write(true);
        } finally {
            lock.unlock();
        }
        after(gone);
    }

    @Override
    public void onWritePossible() {
        boolean gone;
        lock.lock();
        try {
            gone = drain(true);
        } finally {
            lock.unlock();
        }
        after(gone);
    }

    @Override
    public void onError(Throwable failure) {
        lock.lock();
        try {
            if (finished) return;
            finished = true;
            clientGone = true;
        } finally {
            lock.unlock();
        }
        after(true);
    }

    /** Opens the response if need be, then {@link #drain}s; with the lock held, once started. */
    private boolean write(boolean flush) {
        return out == null && !open() || drain(flush);
    }

    /**
     * Opens the response (status and headers, non-blocking mode); with the lock held, once started. False
     * when it cannot be: the relay has then ended.
     */
    private boolean open() {
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        try {
            out = res.getOutputStream();
            // the container also calls onWritePossible once now, which finds nothing left to write
            out.setWriteListener(this);
            return true;
        } catch (IOException | IllegalStateException e) {
            // the response was already taken (the client is gone, or the server is stopping): nothing will be sent
            finished = true;
            clientGone = true;
            return false;
        }
    }

    /**
     * Writes queued frames while the socket takes them, then (if {@code flush}, or after the last frame) one
     * flush for all of them; with the lock held. Sets {@link #finished} once the last frame has left. Returns
     * true when the relay just finished (the caller then ends it, outside the lock).
     */
    private boolean drain(boolean flush) {
        if (finished || out == null) return false;
        try {
            while (out.isReady()) {
                byte[] frame = queue.poll();
                if (frame != null) {
                    out.write(frame);
                    unflushed = true;
                } else if (unflushed && (flush || lastQueued)) {
                    unflushed = false;
                    out.flush();
                    lastSent = System.nanoTime();
                } else {
                    if (!lastQueued) return false;
                    finished = true;
                    return true;
                }
            }
            return false;
        } catch (IOException | IllegalStateException e) {
            finished = true;
            clientGone = true;
            return true;
        }
    }

    /**
     * Ends the relay once {@link #drain} or the container said so (outside the lock): after the last frame,
     * the request completes; when the client left, the stream loses this listener too. That is done on a
     * thread of its own, because a write that found the client gone may be running inside the turn's own
     * callback, which must not hear that one of its listeners left while it tells them a chunk.
     */
    private void after(boolean ended) {
        if (!ended) return;
        pings.open.remove(this);
        if (clientGone) {
            Thread.startVirtualThread(() -> {
                stream.cancel();
                done.complete(null);
            });
        } else {
            done.complete(null);
        }
    }
}
