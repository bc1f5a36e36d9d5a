package dev.llmchat.server;

import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.User;
import dev.llmchat.core.UserId;
import dev.llmchat.core.UserStore;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /api/admin/*}, for administrators only: list accounts, disable or enable one (a disabled account's
 * tokens stop working on its next request, streams included), and set a password (for example for accounts
 * imported from the original backend, which have none).
 */
final class AdminController {
    private final UserStore users;
    private final Authenticator auth;
    private final PasswordHasher hasher;

    AdminController(UserStore users, Authenticator auth, PasswordHasher hasher) {
        this.users = users;
        this.auth = auth;
        this.hasher = hasher;
    }

    void list(Context ctx) {
        admin(ctx);
        PageRequest request = Views.page(ctx);
        Page<User> page = users.list(request);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("users", page.items().stream().map(Views::user).toList());
        Views.paging(out, request, page);
        Json.ok(ctx, out);
    }

    void disable(Context ctx) {
        User caller = admin(ctx);
        UserId target = target(ctx);
        if (target.equals(caller.id())) throw new ApiException(409, "cannot_disable_self", "You cannot disable your own account");
        setActive(ctx, target, false);
    }

    void enable(Context ctx) {
        admin(ctx);
        setActive(ctx, target(ctx), true);
    }

    void password(Context ctx) {
        admin(ctx);
        UserId target = target(ctx);
        String password = Body.of(ctx).requiredString("password");
        AuthController.checkPassword(password);
        if (!users.setPasswordHash(target, hasher.hash(password))) throw notFound();
        Json.ok(ctx, Map.of("message", "Password set"));
    }

    private void setActive(Context ctx, UserId target, boolean active) {
        if (!users.setActive(target, active)) throw notFound();
        Json.ok(ctx, Views.user(users.findById(target).orElseThrow(AdminController::notFound)));
    }

    private User admin(Context ctx) {
        User caller = auth.require(ctx);
        if (!caller.admin()) throw new ApiException(403, "forbidden", "Administrators only");
        return caller;
    }

    private static UserId target(Context ctx) {
        try {
            long id = Long.parseLong(ctx.pathParam("user_id"));
            if (id > 0) return new UserId(id);
        } catch (NumberFormatException e) {
            // not an id: the same answer as an unknown one
        }
        throw notFound();
    }

    private static ApiException notFound() {
        return new ApiException(404, "user_not_found", "User not found");
    }
}
