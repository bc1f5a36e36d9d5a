package dev.llmchat.core;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The operator's presets and the rules for a user's model settings. Immutable. */
final class ModelCatalog {
    static final int CUSTOM_CONTEXT_WINDOW_DEFAULT = 8192;

    private final Map<String, ModelPreset> presets = new LinkedHashMap<>();
    private final int defaultMaxTokens;
    private final int customContextWindow;

    ModelCatalog(List<ModelPreset> presets, int defaultMaxTokens, int customContextWindow) {
        if (presets.isEmpty()) throw new IllegalArgumentException("at least one model preset is needed");
        for (ModelPreset p : presets) {
            if (this.presets.putIfAbsent(p.type(), p) != null) throw new IllegalArgumentException("duplicate preset type " + p.type());
        }
        this.defaultMaxTokens = defaultMaxTokens;
        this.customContextWindow = customContextWindow;
    }

    List<ModelPreset> presets() {
        return List.copyOf(presets.values());
    }

    ModelSettings defaults() {
        return new ModelSettings(presets.keySet().iterator().next(), defaultMaxTokens, Optional.empty());
    }

    /** The endpoint a user's settings point at; a preset removed by the operator falls back to the first preset. */
    ModelEndpoint endpoint(ModelSettings settings) {
        if (settings.modelType().equals(ModelSettings.CUSTOM)) {
            CustomModel c = settings.custom().orElseThrow();
            return new ModelEndpoint(c.url(), c.model(), c.apiKey(), customContextWindow, false);
        }
        ModelPreset preset = presets.get(settings.modelType());
        return (preset != null ? preset : presets.values().iterator().next()).endpoint();
    }

    /** Applies an update to the current settings, or says in words why it cannot. */
    ModelSettings apply(ModelSettings current, SettingsUpdate update) {
        int maxTokens = update.maxTokens().orElse(current.maxTokens());
        if (maxTokens < ModelSettings.MIN_MAX_TOKENS || maxTokens > ModelSettings.MAX_MAX_TOKENS) {
            throw new InvalidInputException("invalid_max_tokens", "max_tokens must be between 1 and 100000");
        }
        String type = update.modelType();
        if (!type.equals(ModelSettings.CUSTOM)) {
            if (!presets.containsKey(type)) {
                throw new InvalidInputException("unknown_model_type",
                        "Unknown model_type '" + type + "'; use one of " + String.join(", ", presets.keySet()) + " or custom");
            }
            // a custom endpoint stays remembered so switching back to it needs no retyping
            return new ModelSettings(type, maxTokens, current.custom());
        }
        Optional<CustomModel> previous = current.custom();
        String url = update.url().filter(s -> !s.isBlank()).or(() -> previous.map(CustomModel::url))
                .orElseThrow(() -> new InvalidInputException("custom_model_incomplete", "model_type custom needs llm_api_url"));
        String model = update.model().filter(s -> !s.isBlank()).or(() -> previous.map(CustomModel::model))
                .orElseThrow(() -> new InvalidInputException("custom_model_incomplete", "model_type custom needs llm_model"));
        checkUrl(url);
        if (model.length() > 200) throw new InvalidInputException("invalid_model", "llm_model is too long (at most 200 characters)");
        // a client that echoes the masked key from GET /api/config keeps the stored one
        String key = update.apiKey().filter(k -> !k.contains("…"))
                .orElse(previous.filter(p -> p.url().equals(url)).map(CustomModel::apiKey).orElse(""));
        if (key.length() > 1000) throw new InvalidInputException("invalid_api_key", "llm_api_key is too long");
        return new ModelSettings(ModelSettings.CUSTOM, maxTokens, Optional.of(new CustomModel(url.strip(), model.strip(), key.strip())));
    }

    private static void checkUrl(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (Exception e) {
            throw new InvalidInputException("invalid_api_url", "llm_api_url is not a valid URL");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
            throw new InvalidInputException("invalid_api_url", "llm_api_url must be an http:// or https:// URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidInputException("invalid_api_url", "llm_api_url must not contain credentials; use llm_api_key");
        }
        if (url.length() > 2000) throw new InvalidInputException("invalid_api_url", "llm_api_url is too long");
    }
}
