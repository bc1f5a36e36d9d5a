package dev.llmchat.server;

import dev.llmchat.core.AesGcmCipher;
import dev.llmchat.core.ChatEngine;
import dev.llmchat.llm.OpenAiChatModel;
import dev.llmchat.llm.OutboundPolicy;
import dev.llmchat.store.SqlStore;
import dev.llmchat.store.StoreOptions;
import io.javalin.Javalin;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The composition root: builds the store, the model client, the engine and the HTTP layer from a
 * {@link ServerConfig}, and owns their lifecycle. {@link #start} returns a running server;
 * {@link #close} stops accepting, then closes the engine, the model client and the database.
 */
public final class ChatServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChatServer.class);
    /**
     * Connections the kernel completes before the server accepts them. Java's default is 50: a burst of new
     * clients (10,000 streams started within 5 s) overflowed it, and the dropped handshakes came back only with
     * TCP's retransmission back-off, up to a minute later. Linux caps it at net.core.somaxconn.
     */
    private static final int ACCEPT_QUEUE_SIZE = 4096;

    /** One HTTP route; the OpenAPI document lists exactly these (a test holds them to it). */
    record Route(HandlerType method, String path, Handler handler) {
    }

    private final SqlStore store;
    private final OpenAiChatModel model;
    private final ChatEngine engine;
    private final SseRelay.Pings pings;
    private final List<Route> routes;
    private final Javalin app;
    private final Duration grace;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();

    private ChatServer(ServerConfig config) {
        Clock clock = Clock.systemUTC();
        this.grace = config.shutdownGrace();
        PasswordHasher hasher = new PasswordHasher(config.passwordHashMemoryKib(), 2);
        OutboundPolicy outbound = config.outboundUnrestricted() ? OutboundPolicy.unrestricted()
                : OutboundPolicy.publicOnly().allowHosts(config.outboundAllowHosts()).allowNetworks(config.outboundAllowNetworks());
        // The model client (its TLS trust store) and the database (driver, migrations) are the slowest parts
        // of start-up and need nothing of each other: the client is built meanwhile on a thread of its own.
        CompletableFuture<OpenAiChatModel> building = CompletableFuture.supplyAsync(() -> OpenAiChatModel.builder()
                .outboundPolicy(outbound)
                .connectTimeout(config.llmConnectTimeout())
                .firstTokenTimeout(config.llmFirstTokenTimeout())
                .idleTimeout(config.llmIdleTimeout())
                .totalTimeout(config.llmTotalTimeout())
                .http2PriorKnowledge(config.llmH2cHosts())
                .build(), task -> Thread.ofPlatform().name("model-client-init").start(task));
        try {
            this.store = openStore(config, config.databaseUrl(), hasher);
        } catch (RuntimeException | Error e) {
            building.thenAccept(OpenAiChatModel::close);
            throw e;
        }
        try {
            this.model = built(building);
            PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            this.engine = ChatEngine.builder(store, store, new MeteredChatModel(model, metrics))
                    .presets(config.presets())
                    .defaultMaxTokens(config.defaultMaxTokens())
                    .customContextWindow(config.customContextWindow())
                    .retention(config.retention())
                    .maxMessageChars(config.maxMessageChars())
                    .clock(clock)
                    .secretCipher(new AesGcmCipher(
                            KeyFiles.configuredOrGenerated(config.secretsKey(), "SECRETS_KEY", config.dataDir(), "secrets-key"),
                            config.retiredSecretsKeys().stream().map(k -> KeyFiles.decode(k, "SECRETS_OLD_KEYS")).toList()))
                    .build();
            Tokens tokens = new Tokens(Tokens.secret(config.tokenSecret(), config.dataDir()), config.tokenTtl(), clock);
            Authenticator auth = new Authenticator(tokens, store);
            RateLimiter limiter = new RateLimiter(config.maxStreamsPerUser());
            AuthController accounts = new AuthController(store, hasher, tokens, auth, clock,
                    config.registration(), limiter,
                    new RateLimiter.Rule("login", config.loginsPerMinute(), Duration.ofMinutes(1)),
                    new RateLimiter.Rule("register", config.registrationsPerHour(), Duration.ofHours(1)));
            ConversationController conversations = new ConversationController(engine, auth);
            this.pings = new SseRelay.Pings(config.keepAliveInterval());
            ChatController chat = new ChatController(engine, auth, pings, limiter,
                    new RateLimiter.Rule("chat", config.chatsPerMinute(), Duration.ofMinutes(1)));
            ConfigController settings = new ConfigController(engine, auth, outbound);
            OpsController ops = new OpsController(store::healthy, metrics);
            metrics.gauge("llmchat.db.pool.active", store, st -> st.poolStats().active());
            metrics.gauge("llmchat.db.pool.idle", store, st -> st.poolStats().idle());
            metrics.gauge("llmchat.db.pool.waiting", store, st -> st.poolStats().waiting());
            metrics.gauge("llmchat.replies.live", engine, ChatEngine::liveReplies);
            AdminController admin = new AdminController(store, auth, hasher);
            this.routes = List.of(
                    new Route(HandlerType.POST, "/api/auth/register", accounts::register),
                    new Route(HandlerType.POST, "/api/auth/login", accounts::login),
                    new Route(HandlerType.GET, "/api/auth/me", accounts::me),
                    new Route(HandlerType.POST, "/conversations", conversations::create),
                    new Route(HandlerType.GET, "/conversations", conversations::list),
                    new Route(HandlerType.GET, "/conversations/search", conversations::search),
                    new Route(HandlerType.GET, "/conversations/{session_id}/history", conversations::history),
                    new Route(HandlerType.DELETE, "/conversations/{session_id}", conversations::delete),
                    new Route(HandlerType.POST, "/chat", chat::chat),
                    new Route(HandlerType.GET, "/chat/{session_id}/stream", chat::follow),
                    new Route(HandlerType.POST, "/chat/{session_id}/stop", chat::stop),
                    new Route(HandlerType.GET, "/api/config", settings::get),
                    new Route(HandlerType.POST, "/api/config", settings::update),
                    new Route(HandlerType.GET, "/api/admin/users", admin::list),
                    new Route(HandlerType.POST, "/api/admin/users/{user_id}/disable", admin::disable),
                    new Route(HandlerType.POST, "/api/admin/users/{user_id}/enable", admin::enable),
                    new Route(HandlerType.POST, "/api/admin/users/{user_id}/password", admin::password),
                    new Route(HandlerType.GET, "/api/health", ops::health),
                    new Route(HandlerType.GET, "/metrics", ops::metrics),
                    new Route(HandlerType.GET, "/openapi.json", ops::openApi),
                    new Route(HandlerType.GET, "/docs", ops::docs));
            HttpPolicy policy = new HttpPolicy(config.corsOrigins());
            this.app = Javalin.create(c -> {
                c.concurrency.useVirtualThreads = true;
                c.startup.showJavalinBanner = false;
                c.http.maxRequestSize = config.maxBodyBytes();
                c.appData(Body.LIMIT, config.maxBodyBytes());
                c.jetty.addConnector((server, http) -> {
                    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                    connector.setHost(config.host());
                    connector.setPort(config.port());
                    connector.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
                    // a client that sends or reads nothing (slow loris, vanished peer) loses its connection
                    connector.setIdleTimeout(config.httpIdleTimeout().toMillis());
                    return connector;
                });
                c.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
                // No per-connection header cache. Jetty's parser builds one on a connection's second request (a
                // trie, ~96 KB at its default size of 1024, still ~16 KB at 256), and a stream on a reused
                // connection holds it for the stream's life: most of the live char[] with 10,000 held streams
                // (async-profiler, allocations). It saves a few small objects per request; API clients repeat few headers.
                c.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
                c.staticFiles.enableWebjars();
                c.requestLogger.http((ctx, ms) -> {
                    LOG.info("{} {} {} {}ms", ctx.method(), ctx.path(), ctx.status().getCode(), Math.round(ms));
                    Endpoint matched = ctx.endpoints().lastHttpEndpoint();
                    metrics.timer("llmchat.http.requests", "method", ctx.method().name(), "route", matched == null ? "unmatched" : matched.path,
                            "status", Integer.toString(ctx.status().getCode())).record(Duration.ofNanos((long) (ms * 1e6)));
                });
                c.routes.before(policy::before);
                c.routes.after(Body::drain);
                for (Route r : routes) c.routes.addHttpHandler(r.method(), r.path(), r.handler());
                c.routes.exception(Exception.class, ErrorMapper::handle);
                for (int status : new int[] {400, 404, 405, 413, 415, 500, 503}) c.routes.error(status, ErrorMapper::status);
            });
            app.start();
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    private static OpenAiChatModel built(CompletableFuture<OpenAiChatModel> building) {
        try {
            return building.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw e;
        }
    }

    /** Opens (creating, migrating or upgrading) the database at {@code url} with the configured legacy owner. */
    static SqlStore openStore(ServerConfig config, String url, PasswordHasher hasher) {
        String ownerHash = config.legacyOwnerPassword().isEmpty() ? StoreOptions.LOCKED_PASSWORD_HASH : hasher.hash(config.legacyOwnerPassword());
        return SqlStore.open(url, new StoreOptions(config.legacyOwner(), ownerHash, "新对话"));
    }

    /** Builds everything and starts listening; fails (closing what it opened) if any part cannot start. */
    public static ChatServer start(ServerConfig config) {
        return new ChatServer(config);
    }

    public int port() {
        return app.port();
    }

    List<Route> routes() {
        return routes;
    }

    /**
     * Graceful stop: no new connections, replies in progress may finish within the grace period, then
     * they are stopped (their text stored as {@code incomplete}), and everything is closed. Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            closed.join(); // a second signal waits for the first close instead of cutting it short
            return;
        }
        try {
            if (app != null) {
                for (org.eclipse.jetty.server.Connector c : app.jettyServer().server().getConnectors()) {
                    if (c instanceof org.eclipse.jetty.server.NetworkConnector n) n.close();
                }
                long deadline = System.nanoTime() + grace.toNanos();
                if (engine.turnsInProgress() > 0) LOG.info("shutting down: waiting up to {}s for {} turn(s)", grace.toSeconds(), engine.turnsInProgress());
                while (engine.turnsInProgress() > 0 && System.nanoTime() < deadline) pause();
                if (engine.liveReplies() > 0) {
                    LOG.info("shutting down: stopping {} reply(ies); their text so far is kept", engine.liveReplies());
                    engine.stopAll();
                    long stopDeadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (engine.liveReplies() > 0 && System.nanoTime() < stopDeadline) pause();
                }
                // let the relays write their last event before connections close
                pause();
                app.stop();
            }
            closeQuietly();
            LOG.info("stopped");
        } finally {
            closed.complete(null);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeQuietly() {
        for (AutoCloseable c : new AutoCloseable[] {pings, engine, model, store}) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
