package dev.llmchat.server;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.util.List;
import java.util.Set;

/**
 * Headers every response carries: CORS as the contract says (any origin without credentials by
 * default, since tokens travel in a header and never in cookies; an allow-list when configured;
 * never a reflected origin with credentials) and basic security headers. Answers preflights itself.
 */
final class HttpPolicy {
    static final String ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS";
    static final String ALLOWED_HEADERS = "authorization, content-type, idempotency-key, last-event-id";

    private final Set<String> origins;

    HttpPolicy(List<String> origins) {
        this.origins = Set.copyOf(origins);
    }

    void before(Context ctx) {
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("X-Frame-Options", "DENY");
        String origin = ctx.header("Origin");
        if (origins.isEmpty()) {
            ctx.header("Access-Control-Allow-Origin", "*");
        } else {
            ctx.header("Vary", "Origin");
            if (origin != null && origins.contains(origin)) ctx.header("Access-Control-Allow-Origin", origin);
        }
        ctx.header("Access-Control-Expose-Headers", "Retry-After");
        if (ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null) {
            ctx.header("Access-Control-Allow-Methods", ALLOWED_METHODS);
            ctx.header("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            ctx.header("Access-Control-Max-Age", "600");
            ctx.status(204);
            ctx.skipRemainingHandlers();
        }
    }
}
