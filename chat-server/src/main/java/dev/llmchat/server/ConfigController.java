package dev.llmchat.server;

import dev.llmchat.core.ChatEngine;
import dev.llmchat.core.ModelEndpoint;
import dev.llmchat.core.ModelSettings;
import dev.llmchat.core.Secrets;
import dev.llmchat.core.SettingsUpdate;
import dev.llmchat.core.User;
import dev.llmchat.llm.OutboundPolicy;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/config}: the caller's model settings in the seed's shapes. Keys never leave whole: a
 * custom key is masked, preset keys are the operator's and shown to nobody but administrators (masked).
 */
final class ConfigController {
    private final ChatEngine engine;
    private final Authenticator auth;
    private final OutboundPolicy outbound;

    ConfigController(ChatEngine engine, Authenticator auth, OutboundPolicy outbound) {
        this.engine = engine;
        this.auth = auth;
        this.outbound = outbound;
    }

    void get(Context ctx) {
        User user = auth.require(ctx);
        Authenticator.checkClaimedUser(user, Optional.ofNullable(ctx.queryParam("user_id")));
        ModelSettings settings = engine.settings(user.id());
        ModelEndpoint endpoint = engine.endpoint(settings);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("llm_api_url", endpoint.url());
        out.put("llm_model", endpoint.model());
        out.put("llm_api_key", endpoint.trusted() && !user.admin() ? "" : Secrets.mask(endpoint.apiKey()));
        out.put("preset_models", engine.presets().stream().map(p -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", p.type());
            m.put("name", p.name());
            m.put("url", p.url());
            m.put("model", p.model());
            m.put("key", user.admin() ? Secrets.mask(p.apiKey()) : "");
            m.put("context_window", p.contextWindow());
            return m;
        }).toList());
        out.put("current_model_type", settings.modelType());
        out.put("max_tokens", settings.maxTokens());
        Json.ok(ctx, out);
    }

    void update(Context ctx) {
        User user = auth.require(ctx);
        Body body = Body.of(ctx);
        Authenticator.checkClaimedUser(user, body.optionalId("user_id"));
        SettingsUpdate update = new SettingsUpdate(body.requiredString("model_type").strip(), body.optionalString("llm_api_url"),
                body.optionalString("llm_model"), body.optionalString("llm_api_key"), body.optionalInt("max_tokens"));
        if (update.modelType().equals(ModelSettings.CUSTOM)) {
            // other schemes are the engine's to refuse, with its own message
            update.url().filter(u -> u.strip().matches("(?i)https?://.*")).flatMap(outbound::refusal).ifPresent(reason -> {
                throw ApiException.badRequest("forbidden_destination", reason);
            });
        }
        ModelSettings saved = engine.updateSettings(user.id(), update);
        ModelEndpoint endpoint = engine.endpoint(saved);
        Map<String, Object> current = new LinkedHashMap<>();
        current.put("model_type", saved.modelType());
        current.put("api_url", endpoint.url());
        current.put("model", endpoint.model());
        current.put("max_tokens", saved.maxTokens());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("message", "配置已更新");
        out.put("current_config", current);
        Json.ok(ctx, out);
    }
}
