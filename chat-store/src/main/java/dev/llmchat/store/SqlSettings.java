package dev.llmchat.store;

import dev.llmchat.core.CustomModel;
import dev.llmchat.core.ModelSettings;
import dev.llmchat.core.UserId;
import java.time.Clock;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Update;

/** Each user's model settings, one row per user; a custom endpoint is remembered even while a preset is chosen. */
final class SqlSettings {
    private final Jdbi jdbi;
    private final Writes writes;
    private final Clock clock;

    SqlSettings(Jdbi jdbi, Writes writes, Clock clock) {
        this.jdbi = jdbi;
        this.writes = writes;
        this.clock = clock;
    }

    Optional<ModelSettings> find(UserId user) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT current_model_type, max_tokens, custom_api_url, custom_model, custom_api_key
                        FROM user_configs WHERE user_id = :user""")
                .bind("user", user).mapTo(ModelSettings.class).findOne());
    }

    void save(UserId user, ModelSettings settings) {
        // Update-then-insert is portable SQL (no ON CONFLICT / ON DUPLICATE KEY); the write transaction makes it atomic.
        writes.useTransaction(h -> {
            int updated = bind(h.createUpdate("""
                    UPDATE user_configs
                    SET current_model_type = :modelType, max_tokens = :maxTokens, custom_api_url = :url,
                        custom_model = :model, custom_api_key = :apiKey, updated_at = :at
                    WHERE user_id = :user"""), user, settings).execute();
            if (updated == 0) {
                bind(h.createUpdate("""
                        INSERT INTO user_configs (user_id, current_model_type, max_tokens, custom_api_url, custom_model, custom_api_key, updated_at)
                        VALUES (:user, :modelType, :maxTokens, :url, :model, :apiKey, :at)"""), user, settings).execute();
            }
        });
    }

    private Update bind(Update update, UserId user, ModelSettings settings) {
        Optional<CustomModel> custom = settings.custom();
        return update.bind("user", user)
                .bind("modelType", settings.modelType())
                .bind("maxTokens", settings.maxTokens())
                .bind("url", custom.map(CustomModel::url).orElse(null))
                .bind("model", custom.map(CustomModel::model).orElse(null))
                .bind("apiKey", custom.map(CustomModel::apiKey).orElse(null))
                .bind("at", clock.instant());
    }
}
