package dev.llmchat.store;

import dev.llmchat.core.ConflictException;
import dev.llmchat.core.NewUser;
import dev.llmchat.core.User;
import dev.llmchat.core.UserId;
import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementException;

/**
 * Accounts. Usernames are compared through {@code username_key}, the username in lower case as Java folds it
 * (the same on every database, Unicode included); its unique index is the only judge of "taken".
 */
final class SqlUsers {
    private static final String COLUMNS = "id, username, email, password_hash, is_active, is_admin, created_at";

    private final Jdbi jdbi;
    private final Writes writes;
    private final DatabaseUrl.Kind kind;

    SqlUsers(Jdbi jdbi, Writes writes, DatabaseUrl.Kind kind) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.kind = kind;
    }

    User create(NewUser user) {
        Instant at = Mapping.truncate(user.createdAt());
        try {
            long id = writes.withHandle(h -> InsertedId.insert(h, kind, """
                            INSERT INTO users (username, username_key, email, password_hash, is_active, is_admin, created_at)
                            VALUES (:username, :key, :email, :passwordHash, :active, :admin, :at)""",
                    s -> s.bind("username", user.username()).bind("key", key(user.username()))
                            .bind("email", user.email()).bind("passwordHash", user.passwordHash())
                            .bind("active", true).bind("admin", user.admin()).bind("at", at)));
            return new User(new UserId(id), user.username(), user.email(), user.passwordHash(), true, user.admin(), at);
        } catch (StatementException e) {
            if (SqlErrors.isUniqueViolation(e)) throw new ConflictException("username_taken", "That username is already taken");
            throw e;
        }
    }

    Optional<User> findById(UserId id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM users WHERE id = :id")
                .bind("id", id).mapTo(User.class).findOne());
    }

    Optional<User> findByUsername(String username) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM users WHERE username_key = :key")
                .bind("key", key(username)).mapTo(User.class).findOne());
    }

    /** What makes two usernames the same; {@code Locale.ROOT}, so the key never depends on the machine's locale. */
    static String key(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    Page<User> list(PageRequest page) {
        Optional<Long> after = page.cursor().map(Cursors::messageId);
        String sql = "SELECT " + COLUMNS + " FROM users" + (after.isPresent() ? " WHERE id > :after" : "") + " ORDER BY id" + Paging.limit(page);
        List<User> rows = jdbi.withHandle(h -> {
            Query q = h.createQuery(sql);
            after.ifPresent(a -> q.bind("after", a));
            Paging.bindLimit(q, page);
            return q.mapTo(User.class).list();
        });
        return Paging.page(rows, page, Function.identity(), last -> Cursors.encode(last.id().value()));
    }

    boolean setActive(UserId id, boolean active) {
        return writes.withHandle(h -> h.createUpdate("UPDATE users SET is_active = :active WHERE id = :id")
                .bind("active", active).bind("id", id).execute()) == 1;
    }

    boolean setPasswordHash(UserId id, String passwordHash) {
        return writes.withHandle(h -> h.createUpdate("UPDATE users SET password_hash = :hash WHERE id = :id")
                .bind("hash", passwordHash).bind("id", id).execute()) == 1;
    }

    long count() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one());
    }
}
