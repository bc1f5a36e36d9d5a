package dev.llmchat.server;

import dev.llmchat.core.ChatException;
import dev.llmchat.core.ConflictException;
import dev.llmchat.core.InvalidInputException;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import dev.llmchat.core.NotFoundException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place where exceptions become HTTP responses: {@code {"detail", "code"}} JSON with the
 * contract's status codes. Unexpected exceptions are logged with their stack trace and answered with
 * a bare 500: no stack trace or internal message ever reaches a client.
 */
final class ErrorMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    private ErrorMapper() {
    }

    static void handle(Exception e, Context ctx) {
        switch (e) {
            case ApiException a -> send(ctx, a.status(), a.code(), a.getMessage());
            case InvalidInputException i -> send(ctx, 400, i.code(), i.getMessage());
            case NotFoundException n -> send(ctx, 404, n.code(), n.getMessage());
            case ConflictException c -> send(ctx, 409, c.code(), c.getMessage());
            case ModelException m -> {
                m.retryAfter().ifPresent(d -> ctx.header("Retry-After", Long.toString(Math.max(1, d.toSeconds()))));
                send(ctx, m.failure() == ModelFailure.TIMEOUT ? 504 : 502, m.code(), m.getMessage());
            }
            case ChatException c -> {
                LOG.error("{} {} failed: {}", ctx.method(), ctx.path(), c.getMessage(), c);
                send(ctx, 500, c.code(), c.getMessage());
            }
            case HttpResponseException h -> send(ctx, h.getStatus(), codeFor(h.getStatus()), h.getMessage());
            default -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                send(ctx, 500, "internal_error", "Internal server error");
            }
        }
    }

    /** Javalin's own errors (unknown route, wrong method, body too large) in the same JSON shape. */
    static void status(Context ctx) {
        String type = ctx.res().getContentType();
        if (type != null && type.startsWith("application/json")) return;
        int status = ctx.status().getCode();
        String detail = switch (status) {
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Request body too large";
            default -> ctx.status().getMessage();
        };
        send(ctx, status, codeFor(status), detail);
    }

    private static String codeFor(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "body_too_large";
            case 415 -> "unsupported_media_type";
            case 503 -> "unavailable";
            default -> "http_" + status;
        };
    }

    static void send(Context ctx, int status, String code, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("detail", detail);
        body.put("code", code);
        Json.send(ctx, status, body);
    }
}
