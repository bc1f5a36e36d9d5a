package dev.llmchat.server;

import dev.llmchat.store.SqlStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The command line: {@code serve} (the default) starts the server from the environment; {@code backup FILE}
 * writes a consistent copy of the SQLite database while the server runs; {@code copy-to DATABASE_URL}
 * copies everything into an empty database (moving from SQLite to PostgreSQL, say). A configuration
 * error stops with one line and exit status 2.
 */
public final class Main {
    private static final String USAGE = "usage: chat-server [serve | backup FILE | copy-to DATABASE_URL]";
    private static final String JETTY_REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    private Main() {
    }

    public static void main(String[] args) {
        String command = args.length == 0 ? "serve" : args[0];
        ServerConfig config;
        try {
            config = ServerConfig.load();
            switch (command) {
                case "serve" -> serve(config);
                case "backup" -> backup(config, argument(args));
                case "copy-to" -> copyTo(config, argument(args));
                default -> fail(2, USAGE);
            }
        } catch (ConfigException e) {
            fail(2, "configuration error: " + e.getMessage());
        }
    }

    private static String argument(String[] args) {
        if (args.length != 2) fail(2, USAGE);
        return args[1];
    }

    private static void serve(ServerConfig config) {
        Logger log = LoggerFactory.getLogger(Main.class);
        // Jetty pads its queues to a cache line and, unless told, asks the platform MBean server how wide a
        // reference is; creating that server (every platform MBean, JFR's diagnostic commands) costs about a
        // tenth of start-up. 16 is exact with compressed references and pads twice a line without: harmless.
        if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, "16");
        // SIGTERM is the normal way to stop a service: finish gracefully and exit 0 (not the JVM's 143), also when
        // it comes while the store is still opening (a slow database) or just as the port opens
        AtomicReference<ChatServer> started = new AtomicReference<>();
        Runnable stop = () -> {
            ChatServer s = started.get();
            if (s != null) s.close();
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "shutdown"));
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> Thread.ofPlatform().name("sigterm").start(() -> {
            stop.run();
            System.exit(0);
        }));
        ChatServer server;
        try {
            server = ChatServer.start(config);
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            log.error("start-up failed", e);
            fail(1, "start-up failed: " + e.getMessage());
            return;
        }
        started.set(server);
        log.info("LLM Chat {} listening on http://{}:{} (database {}, presets {}); API docs at /docs",
                OpsController.VERSION, config.host(), server.port(), config.databaseUrl().replaceAll("//[^/@]*@", "//***@"),
                config.presets().stream().map(p -> p.type()).toList());
    }

    private static void backup(ServerConfig config, String file) {
        try (SqlStore store = ChatServer.openStore(config, config.databaseUrl(), new PasswordHasher(config.passwordHashMemoryKib(), 2))) {
            store.backup(Path.of(file));
            System.out.println("backup written to " + Path.of(file).toAbsolutePath());
        } catch (RuntimeException e) {
            fail(1, "backup failed: " + e.getMessage());
        }
    }

    private static void copyTo(ServerConfig config, String targetUrl) {
        PasswordHasher hasher = new PasswordHasher(config.passwordHashMemoryKib(), 2);
        try (SqlStore from = ChatServer.openStore(config, config.databaseUrl(), hasher);
             SqlStore to = ChatServer.openStore(config, targetUrl, hasher)) {
            SqlStore.copy(from, to);
            System.out.println("copied " + config.databaseUrl() + " into " + targetUrl.replaceAll("//[^/@]*@", "//***@")
                    + "; point DATABASE_URL at it and start the server");
        } catch (RuntimeException e) {
            fail(1, "copy failed: " + e.getMessage());
        }
    }

    private static void fail(int status, String message) {
        System.err.println("llm-chat: " + message);
        System.exit(status);
    }
}
