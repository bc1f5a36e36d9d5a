package dev.llmchat.server;

import dev.llmchat.core.ChatEngine;
import dev.llmchat.core.ChatInput;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.NotFoundException;
import dev.llmchat.core.Turn;
import dev.llmchat.core.User;
import io.javalin.http.Context;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code POST /chat}: one turn of a conversation, answered whole or streamed as server-sent events. */
final class ChatController {
    private final ChatEngine engine;
    private final Authenticator auth;
    private final Duration keepAlive;
    private final RateLimiter limiter;
    private final RateLimiter.Rule chatRule;

    ChatController(ChatEngine engine, Authenticator auth, Duration keepAlive, RateLimiter limiter, RateLimiter.Rule chatRule) {
        this.engine = engine;
        this.auth = auth;
        this.keepAlive = keepAlive;
        this.limiter = limiter;
        this.chatRule = chatRule;
    }

    void chat(Context ctx) throws Exception {
        User user = auth.require(ctx);
        limiter.take(ctx, chatRule, "user:" + user.id());
        Body body = Body.of(ctx);
        Authenticator.checkClaimedUser(user, body.optionalId("user_id"));
        ConversationId id = ConversationId.parse(body.requiredString("session_id")).orElseThrow(NotFoundException::conversation);
        ChatInput input = new ChatInput(body.requiredString("message"), body.optionalNumber("temperature"), body.optionalInt("max_tokens"));
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
            SseRelay relay = new SseRelay(keepAlive);
            ChatStream stream = engine.stream(user.id(), id, input, relay);
            relay.run(ctx, stream);
        }
    }
}
