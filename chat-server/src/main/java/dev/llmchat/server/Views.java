package dev.llmchat.server;

import dev.llmchat.core.Conversation;
import dev.llmchat.core.Message;
import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.User;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** JSON shapes of the contract (snake_case, ISO-8601 UTC timestamps) and the shared paging parameters. */
final class Views {
    private Views() {
    }

    static Map<String, Object> conversation(Conversation c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session_id", c.id().value());
        m.put("title", c.title());
        m.put("created_at", c.createdAt().toString());
        m.put("updated_at", c.updatedAt().toString());
        m.put("message_count", c.messageCount());
        return m;
    }

    static Map<String, Object> user(User u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", u.id().value());
        m.put("username", u.username());
        m.put("email", u.email().isEmpty() ? null : u.email());
        m.put("is_active", u.active());
        m.put("is_admin", u.admin());
        m.put("created_at", u.createdAt().toString());
        return m;
    }

    static Map<String, Object> message(Message msg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", msg.id());
        m.put("role", msg.role().wireName());
        m.put("content", msg.content());
        m.put("created_at", msg.createdAt().toString());
        m.put("status", msg.status().wireName());
        return m;
    }

    /** {@code ?limit=&cursor=}; neither given means the whole list, as the seed answered. */
    static PageRequest page(Context ctx) {
        String limit = ctx.queryParam("limit");
        String cursor = ctx.queryParam("cursor");
        if (limit == null && cursor == null) return PageRequest.all();
        int n = 50;
        if (limit != null) {
            try {
                n = Integer.parseInt(limit.strip());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > PageRequest.MAX_LIMIT) throw ApiException.badRequest("invalid_limit", "limit must be an integer from 1 to " + PageRequest.MAX_LIMIT);
        }
        if (cursor != null && cursor.length() > 200) throw ApiException.badRequest("invalid_cursor", "cursor is not valid");
        return new PageRequest(n, Optional.ofNullable(cursor).filter(s -> !s.isBlank()));
    }

    /** Adds {@code next_cursor} to paged responses only, so unpaged ones keep the seed's exact shape. */
    static void paging(Map<String, Object> body, PageRequest request, Page<?> page) {
        if (!request.unbounded()) body.put("next_cursor", page.nextCursor().orElse(null));
    }
}
