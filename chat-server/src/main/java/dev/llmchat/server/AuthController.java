package dev.llmchat.server;

import dev.llmchat.core.NewUser;
import dev.llmchat.core.User;
import dev.llmchat.core.UserStore;
import io.javalin.http.Context;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** {@code /api/auth/*}: registration, login (OAuth2 password form or JSON) and the caller's own account. */
final class AuthController {
    private static final Pattern USERNAME = Pattern.compile("[\\p{L}\\p{N}_.@-]{3,50}");

    private final UserStore users;
    private final PasswordHasher hasher;
    private final Tokens tokens;
    private final Authenticator auth;
    private final Clock clock;
    private final ServerConfig.Registration registration;
    private final RateLimiter limiter;
    private final RateLimiter.Rule loginRule;
    private final RateLimiter.Rule registerRule;

    AuthController(UserStore users, PasswordHasher hasher, Tokens tokens, Authenticator auth, Clock clock,
                   ServerConfig.Registration registration, RateLimiter limiter, RateLimiter.Rule loginRule, RateLimiter.Rule registerRule) {
        this.users = users;
        this.hasher = hasher;
        this.tokens = tokens;
        this.auth = auth;
        this.clock = clock;
        this.registration = registration;
        this.limiter = limiter;
        this.loginRule = loginRule;
        this.registerRule = registerRule;
    }

    void register(Context ctx) {
        limiter.take(ctx, registerRule, "ip:" + ctx.ip());
        boolean first = users.count() == 0;
        if (registration == ServerConfig.Registration.CLOSED || registration == ServerConfig.Registration.FIRST_USER && !first) {
            throw new ApiException(403, "registration_closed", "Registration is closed on this server; ask an administrator for an account");
        }
        Body body = Body.of(ctx);
        String username = body.requiredString("username").strip();
        String password = body.requiredString("password");
        String email = body.optionalString("email").map(String::strip).orElse("");
        if (!USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("invalid_username", "username must be 3-50 letters, digits or _ . @ -");
        }
        checkPassword(password);
        if (!email.isEmpty() && (email.length() > 254 || !email.matches("[^@\\s]+@[^@\\s]+"))) {
            throw ApiException.badRequest("invalid_email", "email is not a valid address");
        }
        User user = users.create(new NewUser(username, email, hasher.hash(password), first, clock.instant()));
        Json.ok(ctx, tokenResponse(user));
    }

    static void checkPassword(String password) {
        if (password.length() < 8 || password.length() > 256) {
            throw ApiException.badRequest("invalid_password", "password must be 8-256 characters long");
        }
    }

    void login(Context ctx) {
        String username;
        String password;
        String type = Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(java.util.Locale.ROOT);
        if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data")) {
            username = ctx.formParam("username");
            password = ctx.formParam("password");
            if (username == null || password == null) throw ApiException.badRequest("missing_field", "Form fields 'username' and 'password' are required");
        } else {
            Body body = Body.of(ctx);
            username = body.requiredString("username");
            password = body.requiredString("password");
        }
        limiter.take(ctx, loginRule, "ip:" + ctx.ip());
        limiter.take(ctx, loginRule, "user:" + username.strip().toLowerCase(java.util.Locale.ROOT));
        Optional<User> user = username.length() <= 50 ? users.findByUsername(username.strip()) : Optional.empty();
        if (user.isEmpty()) {
            hasher.verifyDecoy(password);
        }
        if (user.isEmpty() || !hasher.verify(password, user.get().passwordHash()) || !user.get().active()) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "invalid_credentials", "Incorrect username or password");
        }
        Json.ok(ctx, tokenResponse(user.get()));
    }

    void me(Context ctx) {
        Json.ok(ctx, Views.user(auth.require(ctx)));
    }

    private Map<String, Object> tokenResponse(User user) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("id", user.id().value());
        u.put("username", user.username());
        u.put("email", user.email().isEmpty() ? null : user.email());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", tokens.issue(user.id()));
        body.put("token_type", "bearer");
        body.put("expires_in", tokens.ttl().toSeconds());
        body.put("user", u);
        return body;
    }
}
