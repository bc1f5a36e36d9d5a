package dev.llmchat.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.llmchat.core.ChatException;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.Message;
import dev.llmchat.core.ReplyListener;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Relays one streamed reply to the HTTP client in the seed's framing ({@code data: {"chunk": …}},
 * {@code data: {"done": true}}, {@code data: {"error": …}}). The model's callbacks only enqueue; the
 * request's own (virtual) thread writes, so a slow client never stalls the upstream reader. A failure
 * before the first chunk is thrown, to become a plain JSON error; once the stream has begun it is an
 * {@code error} event. While the model is silent, {@code : ping} comments keep proxies from cutting the
 * stream and reveal a client that left, whose upstream call is then cancelled.
 */
final class SseRelay implements ReplyListener {
    private static final byte[] DONE = Json.utf8("data: {\"done\": true}\n\n");
    private static final byte[] PING = Json.utf8(": ping\n\n");

    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final long keepAliveNanos;

    SseRelay(Duration keepAlive) {
        this.keepAliveNanos = keepAlive.toNanos();
    }

    @Override
    public void onDelta(String text) {
        events.add(text);
    }

    @Override
    public void onComplete(Message reply) {
        events.add(reply);
    }

    @Override
    public void onError(ChatException error) {
        events.add(error);
    }

    /** Blocks until the reply ended or the client left. */
    void run(Context ctx, ChatStream stream) {
        try {
            Object event = events.poll(keepAliveNanos, TimeUnit.NANOSECONDS);
            if (event instanceof ChatException e) throw e;
            ServletOutputStream out = open(ctx.res());
            while (true) {
                if (event == null) {
                    out.write(PING);
                } else if (write(out, event)) {
                    out.flush();
                    return;
                }
                // drain whatever is already queued before one flush; never wait while holding a chunk back
                for (Object next; (next = events.poll()) != null; ) {
                    if (write(out, next)) {
                        out.flush();
                        return;
                    }
                }
                out.flush();
                event = events.poll(keepAliveNanos, TimeUnit.NANOSECONDS);
            }
        } catch (IOException clientGone) {
            stream.cancel();
        } catch (InterruptedException interrupted) {
            stream.cancel();
            Thread.currentThread().interrupt();
        }
    }

    private static ServletOutputStream open(HttpServletResponse res) throws IOException {
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        // the headers leave with the first event's flush: one packet, not two
        return res.getOutputStream();
    }

    /** Writes one event; true when it ended the stream. */
    private static boolean write(ServletOutputStream out, Object event) throws IOException {
        switch (event) {
            case String chunk -> {
                StringBuilder frame = new StringBuilder(chunk.length() + 24).append("data: {\"chunk\": \"");
                JsonStringEncoder.getInstance().quoteAsString(chunk, frame);
                out.write(Json.utf8(frame.append("\"}\n\n").toString()));
                return false;
            }
            case Message ignored -> {
                out.write(DONE);
                return true;
            }
            case ChatException e -> {
                out.write(Json.utf8("data: {\"error\": " + Json.quote(e.getMessage()) + "}\n\n"));
                return true;
            }
            default -> throw new IllegalStateException("unexpected event " + event);
        }
    }
}
