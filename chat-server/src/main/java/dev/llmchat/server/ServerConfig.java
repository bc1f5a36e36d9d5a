package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmchat.core.ModelPreset;
import dev.llmchat.llm.OpenAiChatModel;
import dev.llmchat.store.DatabaseUrl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything the server reads from its environment, validated once at start-up. Sources, strongest
 * first: process environment, then a {@code .env} file in the working directory. Every variable is
 * listed in the README; a bad value stops start-up with a {@link ConfigException}.
 */
public record ServerConfig(
        String host,
        int port,
        String databaseUrl,
        List<ModelPreset> presets,
        int defaultMaxTokens,
        int customContextWindow,
        int retention,
        int maxMessageChars,
        long maxBodyBytes,
        Path dataDir,
        String tokenSecret,
        Duration tokenTtl,
        List<String> corsOrigins,
        Duration llmConnectTimeout,
        Duration llmFirstTokenTimeout,
        Duration llmIdleTimeout,
        Duration llmTotalTimeout,
        List<String> llmH2cHosts,
        Duration keepAliveInterval,
        int passwordHashMemoryKib,
        Registration registration,
        String secretsKey,
        List<String> retiredSecretsKeys,
        boolean outboundUnrestricted,
        List<String> outboundAllowHosts,
        List<String> outboundAllowNetworks,
        int loginsPerMinute,
        int registrationsPerHour,
        int chatsPerMinute,
        int maxStreamsPerUser,
        String legacyOwner,
        String legacyOwnerPassword,
        Duration shutdownGrace,
        Duration httpIdleTimeout) {

    /** Who may create an account: anyone, nobody (administrators only, later), or only the very first user. */
    public enum Registration { OPEN, CLOSED, FIRST_USER }

    static final String SEED_URL = "http://111.19.168.151:11551/v1/chat/completions";
    static final String SEED_MODEL = "codegeex4-all-9b";
    static final String SEED_KEY = "codegeex";

    /** Reads the configuration from the process environment and {@code ./.env}. */
    public static ServerConfig load() {
        return fromVariables(merge(System.getenv(), Path.of(".env")));
    }

    /** Environment variables override the {@code .env} file, as python-dotenv does. */
    static Map<String, String> merge(Map<String, String> environment, Path dotEnv) {
        Map<String, String> vars = new HashMap<>();
        if (Files.isRegularFile(dotEnv)) vars.putAll(readDotEnv(dotEnv));
        vars.putAll(environment);
        return vars;
    }

    public static ServerConfig fromVariables(Map<String, String> vars) {
        Vars v = new Vars(vars);
        String databaseUrl = v.string("DATABASE_URL", "sqlite:///./conversation.db");
        try {
            DatabaseUrl.parse(databaseUrl);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("DATABASE_URL: " + e.getMessage());
        }
        int contextWindow = v.integer("LLM_CONTEXT_WINDOW", 8192, 256, 10_000_000);
        List<ModelPreset> presets = v.has("MODEL_PRESETS_FILE")
                ? presetsFromFile(Path.of(v.string("MODEL_PRESETS_FILE", "")), contextWindow)
                : List.of(
                        preset("LLM_*", "codegeex", "CodeGeex 4", v.string("LLM_API_URL", SEED_URL), v.string("LLM_MODEL", SEED_MODEL),
                                v.string("LLM_API_KEY", SEED_KEY), contextWindow),
                        preset("LLM_*", "glm", "GLM-4 32B", "http://111.19.168.151:11553/v1/chat/completions", "glm4_32B_chat", "glm432b", contextWindow));
        String secret = v.string("TOKEN_SECRET", v.string("SECRET_KEY", ""));
        if (!secret.isEmpty() && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new ConfigException("TOKEN_SECRET must be at least 32 bytes long (or unset, to generate one)");
        }
        return new ServerConfig(
                v.string("HOST", "0.0.0.0"),
                v.integer("PORT", 8000, 0, 65535),
                databaseUrl,
                presets,
                v.integer("DEFAULT_MAX_TOKENS", 2000, 1, 100_000),
                v.integer("CUSTOM_CONTEXT_WINDOW", contextWindow, 256, 10_000_000),
                v.integer("MAX_CONVERSATIONS_PER_USER", 500, 0, Integer.MAX_VALUE),
                v.integer("MAX_MESSAGE_CHARS", 100_000, 1, 10_000_000),
                v.integer("MAX_BODY_BYTES", 1_048_576, 1024, 100_000_000),
                Path.of(v.string("DATA_DIR", ".llmchat")),
                secret,
                Duration.ofMinutes(v.integer("ACCESS_TOKEN_EXPIRE_MINUTES", 1440, 1, 525_600)),
                v.list("CORS_ORIGINS"),
                Duration.ofSeconds(v.integer("LLM_CONNECT_TIMEOUT_SECONDS", 10, 1, 600)),
                Duration.ofSeconds(v.integer("LLM_FIRST_TOKEN_TIMEOUT_SECONDS", 120, 1, 3600)),
                Duration.ofSeconds(v.integer("LLM_IDLE_TIMEOUT_SECONDS", 60, 1, 3600)),
                Duration.ofSeconds(v.integer("LLM_TOTAL_TIMEOUT_SECONDS", 900, 1, 86_400)),
                h2cHosts(v.list("LLM_H2C_HOSTS")),
                Duration.ofSeconds(v.integer("SSE_KEEPALIVE_SECONDS", 5, 1, 3600)),
                v.integer("PASSWORD_HASH_MEMORY_KIB", 19_456, 1024, 4_194_304),
                v.choice("REGISTRATION", Registration.OPEN, Registration.class),
                v.string("SECRETS_KEY", ""),
                v.list("SECRETS_OLD_KEYS"),
                v.bool("OUTBOUND_UNRESTRICTED", false),
                v.list("OUTBOUND_ALLOW_HOSTS"),
                v.list("OUTBOUND_ALLOW_NETWORKS"),
                v.integer("RATE_LIMIT_LOGIN_PER_MINUTE", 10, 0, 1_000_000),
                v.integer("RATE_LIMIT_REGISTER_PER_HOUR", 20, 0, 1_000_000),
                v.integer("RATE_LIMIT_CHAT_PER_MINUTE", 60, 0, 1_000_000),
                v.integer("MAX_STREAMS_PER_USER", 4, 1, 10_000),
                v.string("LEGACY_OWNER", "legacy"),
                v.string("LEGACY_OWNER_PASSWORD", ""),
                Duration.ofSeconds(v.integer("SHUTDOWN_GRACE_SECONDS", 30, 0, 3600)),
                Duration.ofSeconds(v.integer("HTTP_IDLE_TIMEOUT_SECONDS", 30, 1, 3600)));
    }

    private static List<String> h2cHosts(List<String> hosts) {
        try {
            OpenAiChatModel.builder().http2PriorKnowledge(hosts);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("LLM_H2C_HOSTS: " + e.getMessage() + " (expected host:port, comma-separated)");
        }
        return hosts;
    }

    private static ModelPreset preset(String source, String type, String name, String url, String model, String key, int contextWindow) {
        try {
            return new ModelPreset(type, name, url, model, key, contextWindow);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + e.getMessage());
        }
    }

    /**
     * A JSON array of {@code {"type","name","url","model","key","context_window"}}; {@code key} may be
     * {@code "$ENV_NAME"} to read the key from the environment instead of the file.
     */
    static List<ModelPreset> presetsFromFile(Path file, int defaultContextWindow) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new ConfigException("MODEL_PRESETS_FILE: cannot read " + file + " as JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (root == null || !root.isArray() || root.isEmpty()) throw new ConfigException("MODEL_PRESETS_FILE: " + file + " must hold a non-empty JSON array of presets");
        List<ModelPreset> presets = new ArrayList<>();
        for (JsonNode p : root) {
            String key = p.path("key").asText("");
            if (key.startsWith("$")) key = System.getenv().getOrDefault(key.substring(1), "");
            presets.add(preset("MODEL_PRESETS_FILE " + file, p.path("type").asText(""), p.path("name").asText(p.path("type").asText("")),
                    p.path("url").asText(""), p.path("model").asText(""), key, p.path("context_window").asInt(defaultContextWindow)));
        }
        return List.copyOf(presets);
    }

    static Map<String, String> readDotEnv(Path file) {
        Map<String, String> vars = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                if (l.startsWith("export ")) l = l.substring(7).strip();
                int eq = l.indexOf('=');
                if (eq <= 0) throw new ConfigException(".env: cannot read line '" + line + "' (expected NAME=value)");
                String value = l.substring(eq + 1).strip();
                if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                } else {
                    int comment = value.indexOf(" #");
                    if (comment >= 0) value = value.substring(0, comment).strip();
                }
                vars.put(l.substring(0, eq).strip(), value);
            }
        } catch (IOException e) {
            throw new ConfigException(".env: cannot read " + file + ": " + e.getMessage());
        }
        return vars;
    }

    private record Vars(Map<String, String> map) {
        boolean has(String name) {
            String v = map.get(name);
            return v != null && !v.isBlank();
        }

        String string(String name, String fallback) {
            return has(name) ? map.get(name).strip() : fallback;
        }

        int integer(String name, int fallback, int min, int max) {
            return parse(name, fallback, s -> {
                int n = Integer.parseInt(s);
                if (n < min || n > max) throw new NumberFormatException();
                return n;
            }, "an integer from " + min + " to " + max);
        }

        boolean bool(String name, boolean fallback) {
            return parse(name, fallback, s -> switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "1", "yes", "on" -> true;
                case "false", "0", "no", "off" -> false;
                default -> throw new IllegalArgumentException();
            }, "true or false");
        }

        <E extends Enum<E>> E choice(String name, E fallback, Class<E> type) {
            return parse(name, fallback, s -> Enum.valueOf(type, s.toUpperCase(java.util.Locale.ROOT).replace('-', '_')),
                    "one of " + java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(java.util.Locale.ROOT)).toList());
        }

        List<String> list(String name) {
            if (!has(name) || map.get(name).strip().equals("*")) return List.of();
            return Arrays.stream(map.get(name).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }

        private <T> T parse(String name, T fallback, Function<String, T> parser, String expected) {
            if (!has(name)) return fallback;
            String raw = map.get(name).strip();
            try {
                return parser.apply(raw);
            } catch (RuntimeException e) {
                throw new ConfigException(name + " must be " + expected + ", got '" + raw + "'");
            }
        }
    }
}
