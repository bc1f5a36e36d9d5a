package dev.llmchat.server;

import dev.llmchat.core.ChatEngine;
import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.Message;
import dev.llmchat.core.NotFoundException;
import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.SearchHit;
import dev.llmchat.core.User;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code /conversations…}: create, list, search, history and delete, always within the caller's own conversations. */
final class ConversationController {
    private final ChatEngine engine;
    private final Authenticator auth;

    ConversationController(ChatEngine engine, Authenticator auth) {
        this.engine = engine;
        this.auth = auth;
    }

    void create(Context ctx) {
        User user = auth.require(ctx);
        Body body = Body.optional(ctx);
        Authenticator.checkClaimedUser(user, body.optionalId("user_id"));
        Conversation c = engine.startConversation(user.id(), body.optionalString("title").orElse(null), body.optionalString("system_prompt").orElse(null));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", c.id().value());
        out.put("message", "对话会话创建成功");
        out.put("title", c.title());
        out.put("created_at", c.createdAt().toString());
        Json.ok(ctx, out);
    }

    void list(Context ctx) {
        User user = auth.require(ctx);
        Authenticator.checkClaimedUser(user, Optional.ofNullable(ctx.queryParam("user_id")));
        PageRequest request = Views.page(ctx);
        Page<Conversation> page = engine.conversations(user.id(), request);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("conversations", page.items().stream().map(Views::conversation).toList());
        Views.paging(out, request, page);
        Json.ok(ctx, out);
    }

    void search(Context ctx) {
        User user = auth.require(ctx);
        Authenticator.checkClaimedUser(user, Optional.ofNullable(ctx.queryParam("user_id")));
        String q = Optional.ofNullable(ctx.queryParam("q")).orElse("");
        int limit = 50;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l.strip());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 200) throw ApiException.badRequest("invalid_limit", "limit must be an integer from 1 to 200");
        }
        List<SearchHit> hits = engine.search(user.id(), q, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("results", hits.stream().map(h -> {
            Map<String, Object> m = Views.conversation(h.conversation());
            m.put("snippet", h.snippet());
            return m;
        }).toList());
        out.put("query", q.strip());
        out.put("count", hits.size());
        Json.ok(ctx, out);
    }

    void history(Context ctx) {
        User user = auth.require(ctx);
        Authenticator.checkClaimedUser(user, Optional.ofNullable(ctx.queryParam("user_id")));
        ConversationId id = id(ctx);
        PageRequest request = Views.page(ctx);
        Page<Message> page = engine.history(user.id(), id, request);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", id.value());
        out.put("messages", page.items().stream().map(Views::message).toList());
        Views.paging(out, request, page);
        Json.ok(ctx, out);
    }

    void delete(Context ctx) {
        User user = auth.require(ctx);
        Authenticator.checkClaimedUser(user, Optional.ofNullable(ctx.queryParam("user_id")));
        engine.deleteConversation(user.id(), id(ctx));
        Json.ok(ctx, Map.of("message", "对话已删除"));
    }

    /** A malformed id cannot name a conversation of the caller's: the same 404 as an unknown one. */
    static ConversationId id(Context ctx) {
        return ConversationId.parse(ctx.pathParam("session_id")).orElseThrow(NotFoundException::conversation);
    }
}
