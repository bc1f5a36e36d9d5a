package dev.llmchat.core;

import java.util.Optional;

/** The port to stored accounts. Usernames are unique, compared case-insensitively. */
public interface UserStore {
    /** Creates the account. @throws ConflictException when the username is taken */
    User create(NewUser user);

    Optional<User> findById(UserId id);

    Optional<User> findByUsername(String username);

    long count();

    /** All accounts, oldest first. */
    Page<User> list(PageRequest page);

    /** Enables or disables an account; false when there is no such account. */
    boolean setActive(UserId id, boolean active);

    /** Replaces the account's password hash; false when there is no such account. */
    boolean setPasswordHash(UserId id, String passwordHash);
}
