package dev.llmchat.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the server from the environment; a configuration error stops it with one line and exit status 2. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        ServerConfig config;
        try {
            config = ServerConfig.load();
        } catch (ConfigException e) {
            System.err.println("llm-chat: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        ChatServer server;
        try {
            server = ChatServer.start(config);
        } catch (ConfigException e) {
            System.err.println("llm-chat: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            log.error("start-up failed", e);
            System.err.println("llm-chat: start-up failed: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        log.info("LLM Chat {} listening on http://{}:{} (database {}, presets {}); API docs at /docs",
                OpsController.VERSION, config.host(), server.port(), config.databaseUrl().replaceAll("//[^/@]*@", "//***@"),
                config.presets().stream().map(p -> p.type()).toList());
    }
}
