package dev.llmchat.server;

import dev.llmchat.core.ChatEngine;
import dev.llmchat.core.ChatInput;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.NotFoundException;
import dev.llmchat.core.Turn;
import dev.llmchat.core.User;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code POST /chat}: one turn of a conversation, answered whole or streamed as server-sent events. */
final class ChatController {
    private final ChatEngine engine;
    private final Authenticator auth;
    private final SseRelay.Pings pings;
    private final RateLimiter limiter;
    private final RateLimiter.Rule chatRule;

    ChatController(ChatEngine engine, Authenticator auth, SseRelay.Pings pings, RateLimiter limiter, RateLimiter.Rule chatRule) {
        this.engine = engine;
        this.auth = auth;
        this.pings = pings;
        this.limiter = limiter;
        this.chatRule = chatRule;
    }

    void chat(Context ctx) throws Exception {
        User user = auth.require(ctx);
        limiter.take(ctx, chatRule, "user:" + user.id());
        Body body = Body.of(ctx);
        Authenticator.checkClaimedUser(user, body.optionalId("user_id"));
        ConversationId id = ConversationId.parse(body.requiredString("session_id")).orElseThrow(NotFoundException::conversation);
        String key = java.util.Optional.ofNullable(ctx.header("Idempotency-Key")).map(String::strip).orElse("");
        ChatInput input = new ChatInput(body.requiredString("message"), body.optionalNumber("temperature"), body.optionalInt("max_tokens"), key);
        boolean streaming = body.optionalBoolean("stream").orElse(false);
        if (!streaming) {
            Turn turn = engine.reply(user.id(), id, input);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("session_id", id.value());
            out.put("user_message", turn.question().content());
            out.put("assistant_reply", turn.answer().content());
            Json.ok(ctx, out);
            return;
        }
        try (AutoCloseable slot = limiter.openStream(ctx, user.id().value())) {
            SseRelay relay = new SseRelay(pings);
            ChatStream stream = engine.stream(user.id(), id, input, relay);
            relay.run(ctx, stream);
        }
    }

    /**
     * {@code GET /chat/{session_id}/stream?after=N}: a client that lost its stream (or another device)
     * follows the reply still being written: the chunks after index N (as counted from 0 by the client;
     * absent: all), then the rest live, in the same framing.
     */
    void follow(Context ctx) throws Exception {
        User user = auth.require(ctx);
        ConversationId id = ConversationController.id(ctx);
        int after = -1;
        String a = ctx.queryParam("after");
        if (a != null) {
            try {
                after = Integer.parseInt(a.strip());
            } catch (NumberFormatException e) {
                after = -2;
            }
            if (after < -1) throw ApiException.badRequest("invalid_after", "after must be the index of the last chunk received (0 or more)");
        }
        try (AutoCloseable slot = limiter.openStream(ctx, user.id().value())) {
            SseRelay relay = new SseRelay(pings);
            ChatStream stream = engine.follow(user.id(), id, after, relay);
            relay.run(ctx, stream);
        }
    }

    /** {@code POST /chat/{session_id}/stop}: stops the reply being written; its text so far is kept as {@code incomplete}. */
    void stop(Context ctx) {
        User user = auth.require(ctx);
        engine.stop(user.id(), ConversationController.id(ctx));
        Json.ok(ctx, java.util.Map.of("message", "Stopped"));
    }
}
