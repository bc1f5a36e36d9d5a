package dev.llmchat.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;

/** The server's one JSON writer: every JSON response goes through {@link #send}. */
final class Json {
    static final String CONTENT_TYPE = "application/json; charset=utf-8";
    static final ObjectMapper MAPPER = new ObjectMapper();

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
