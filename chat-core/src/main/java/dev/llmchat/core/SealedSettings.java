package dev.llmchat.core;

import java.util.Optional;

/** A {@link SettingsStore} that keeps custom API keys sealed by a {@link SecretCipher} in the underlying store. */
final class SealedSettings implements SettingsStore {
    private final SettingsStore store;
    private final SecretCipher cipher;

    SealedSettings(SettingsStore store, SecretCipher cipher) {
        this.store = store;
        this.cipher = cipher;
    }

    @Override
    public Optional<ModelSettings> find(UserId user) {
        return store.find(user).map(s -> withKey(s, cipher::open));
    }

    @Override
    public void save(UserId user, ModelSettings settings) {
        store.save(user, withKey(settings, cipher::seal));
    }

    private static ModelSettings withKey(ModelSettings s, java.util.function.UnaryOperator<String> f) {
        return new ModelSettings(s.modelType(), s.maxTokens(),
                s.custom().map(c -> new CustomModel(c.url(), c.model(), f.apply(c.apiKey()))));
    }
}
