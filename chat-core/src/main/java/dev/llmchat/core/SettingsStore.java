package dev.llmchat.core;

import java.util.Optional;

/** The port to each user's model settings. */
public interface SettingsStore {
    Optional<ModelSettings> find(UserId user);

    void save(UserId user, ModelSettings settings);
}
