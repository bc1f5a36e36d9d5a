package dev.llmchat.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;

/** The server's one JSON writer: every JSON response goes through {@link #send}. */
final class Json {
    static final String CONTENT_TYPE = "application/json; charset=utf-8";
    // one shared buffer pool: Jackson's default keeps buffers per thread, and every request and stream has a virtual thread of its own
    static final ObjectMapper MAPPER = new ObjectMapper(
            com.fasterxml.jackson.core.JsonFactory.builder().recyclerPool(com.fasterxml.jackson.core.util.JsonRecyclerPools.newConcurrentDequePool()).build());

    private Json() {
    }

    static void send(Context ctx, int status, Object body) {
        try {
            ctx.status(status).header("Content-Type", CONTENT_TYPE).result(MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode response", e);
        }
    }

    static void ok(Context ctx, Object body) {
        send(ctx, 200, body);
    }

    /** A JSON string literal, quotes included, for hand-framed output such as SSE events. */
    static String quote(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8).append('"');
        JsonStringEncoder.getInstance().quoteAsString(text, sb);
        return sb.append('"').toString();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
