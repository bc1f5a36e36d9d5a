package dev.llmchat.store;

import dev.llmchat.core.ConflictException;
import dev.llmchat.core.NewUser;
import dev.llmchat.core.User;
import dev.llmchat.core.UserId;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementException;

/** Accounts. The username column's unique, case-insensitive constraint is the only judge of "taken". */
final class SqlUsers {
    private static final String COLUMNS = "id, username, email, password_hash, is_active, is_admin, created_at";

    private final Jdbi jdbi;

    SqlUsers(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    User create(NewUser user) {
        Instant at = Mapping.truncate(user.createdAt());
        try {
            long id = jdbi.withHandle(h -> h.createUpdate("""
                            INSERT INTO users (username, email, password_hash, is_active, is_admin, created_at)
                            VALUES (:username, :email, :passwordHash, :active, :admin, :at)""")
                    .bind("username", user.username()).bind("email", user.email()).bind("passwordHash", user.passwordHash())
                    .bind("active", true).bind("admin", user.admin()).bind("at", at)
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
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

    /** Case-insensitive through the column's collation, which also lets the lookup use the unique index. */
    Optional<User> findByUsername(String username) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM users WHERE username = :username")
                .bind("username", username).mapTo(User.class).findOne());
    }

    long count() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one());
    }
}
