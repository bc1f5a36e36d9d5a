package dev.llmchat.server;

import dev.llmchat.core.User;
import dev.llmchat.core.UserStore;
import io.javalin.http.Context;

import java.util.Optional;

/**
 * Resolves the caller of a request from its bearer token, checking the account's current state on
 * every request (a disabled account's tokens stop working at once).
 */
final class Authenticator {
    private final Tokens tokens;
    private final UserStore users;

    Authenticator(Tokens tokens, UserStore users) {
        this.tokens = tokens;
        this.users = users;
    }

    User require(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw ApiException.unauthorized("Not authenticated: send 'Authorization: Bearer <access_token>'");
        }
        String token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : "";
        Optional<User> user = tokens.verify(token).flatMap(users::findById).filter(User::active);
        if (user.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            throw ApiException.unauthorized("Invalid or expired token; log in again");
        }
        return user.get();
    }

    /** The seed's clients send their own {@code user_id}; it is ignored when it is the caller's and refused when it is not. */
    static void checkClaimedUser(User caller, Optional<String> claimed) {
        if (claimed.isPresent() && !claimed.get().isBlank() && !caller.id().matches(claimed.get())) {
            throw new ApiException(403, "user_mismatch", "user_id does not match the authenticated user");
        }
    }
}
