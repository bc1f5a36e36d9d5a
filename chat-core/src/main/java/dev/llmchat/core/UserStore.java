package dev.llmchat.core;

import java.util.Optional;

/** The port to stored accounts. Usernames are unique, compared case-insensitively. */
public interface UserStore {
    /** Creates the account. @throws ConflictException when the username is taken */
    User create(NewUser user);

    Optional<User> findById(UserId id);

    Optional<User> findByUsername(String username);

    long count();
}
