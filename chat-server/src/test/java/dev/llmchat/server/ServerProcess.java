package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The server as an operator runs it: its own JVM ({@code java -cp <the test class path> dev.llmchat.server.Main}),
 * configured only by environment variables, working in a directory of its own (so no {@code .env} is read),
 * its output appended to {@code server.log} there. For tests that send it signals: SIGTERM through
 * {@link Process#destroy()}, SIGKILL through {@link Process#destroyForcibly()}. Start them through a
 * {@link Servers} extension, which kills what is left after each test and prints their output when it failed.
 */
final class ServerProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "correct horse battery";

    final Process process;
    final int port;
    final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    /** Kills the server should the test JVM end without closing it (a timeout, a crash), so no server outlives the build. */
    private final Thread reaper;

    private ServerProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.reaper = new Thread(process::destroyForcibly, "server-reaper-" + process.pid());
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /** The environment of a test server in {@code dir} (database {@code dir/chat.db}) whose preset is {@code model} at {@code upstream}. */
    static Map<String, String> env(Path dir, String upstream, String model) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOST", "127.0.0.1");
        env.put("DATABASE_URL", "sqlite:///" + dir.resolve("chat.db").toAbsolutePath());
        env.put("DATA_DIR", dir.resolve("data").toAbsolutePath().toString());
        env.put("LLM_API_URL", upstream);
        env.put("LLM_MODEL", model);
        env.put("LLM_API_KEY", "sk-operator-secret-key-0001");
        env.put("PASSWORD_HASH_MEMORY_KIB", "1024");
        env.put("OUTBOUND_ALLOW_NETWORKS", "127.0.0.0/8");
        env.put("RATE_LIMIT_LOGIN_PER_MINUTE", "0");
        env.put("RATE_LIMIT_REGISTER_PER_HOUR", "0");
        env.put("RATE_LIMIT_CHAT_PER_MINUTE", "0");
        env.put("MAX_STREAMS_PER_USER", "1000");
        return env;
    }

    /** Starts the server on a free port and waits until {@code /api/health} answers 200. */
    static ServerProcess start(Path dir, Map<String, String> env) {
        long started = System.nanoTime();
        ServerProcess server = launch(dir, env);
        try {
            server.awaitHealthy(Duration.ofSeconds(60));
            System.out.printf("server pid %d healthy %d ms after start%n", server.process.pid(), (System.nanoTime() - started) / 1_000_000);
        } catch (Throwable e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Starts the server on a free port and returns at once. */
    static ServerProcess launch(Path dir, Map<String, String> env) {
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot tell which java runs this test")));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xmx256m");
        // these servers live for seconds: C1 alone starts them about twice as fast on a busy machine
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.llmchat.server.Main");
        Path log = dir.resolve("server.log");
        try {
            Files.createDirectories(dir);
            Files.writeString(log, "===== starting on port " + port + " with " + env + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            // nothing of the test runner's environment may configure the server
            Map<String, String> inherited = Map.copyOf(pb.environment());
            pb.environment().clear();
            for (String keep : List.of("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")) {
                if (inherited.containsKey(keep)) pb.environment().put(keep, inherited.get(keep));
            }
            pb.environment().putAll(env);
            pb.environment().put("PORT", Integer.toString(port));
            return new ServerProcess(pb.start(), port, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) throw new AssertionError("the server exited with status " + process.exitValue() + " before it was healthy");
            try {
                if (send("GET", "/api/health", null, null).status() == 200) return;
            } catch (UncheckedIOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) throw new AssertionError("the server was not healthy within " + timeout);
            sleep(50);
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** One request; an I/O failure (the server is gone, say) is an {@link UncheckedIOException}. */
    Reply send(String method, String path, String token, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(15));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (json != null) b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Reply post(String path, String token, String json) {
        return send("POST", path, token, json);
    }

    Reply get(String path, String token) {
        return send("GET", path, token, null);
    }

    /** Registers {@code username} with {@link #PASSWORD}; returns the bearer token. */
    String register(String username) {
        return token(post("/api/auth/register", null, credentials(username)), "register " + username);
    }

    String login(String username) {
        return token(post("/api/auth/login", null, credentials(username)), "login " + username);
    }

    private static String credentials(String username) {
        return "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}";
    }

    private static String token(Reply r, String what) {
        if (r.status() != 200) throw new AssertionError(what + " failed: " + r);
        return r.json().path("access_token").asText();
    }

    String newConversation(String token) {
        Reply r = post("/conversations", token, null);
        if (r.status() != 200) throw new AssertionError("creating a conversation failed: " + r);
        return r.json().path("session_id").asText();
    }

    /** The conversation's messages, oldest first. */
    JsonNode history(String token, String sessionId) {
        Reply r = get("/conversations/" + sessionId + "/history", token);
        if (r.status() != 200) throw new AssertionError("history of " + sessionId + ": " + r);
        return r.json().path("messages");
    }

    /** Starts {@code POST /chat} with {@code stream: true}; its events arrive in the returned {@link EventStream}. */
    EventStream stream(String token, String sessionId, String message) throws IOException {
        String body = "{\"session_id\":\"" + sessionId + "\",\"message\":" + JSON.writeValueAsString(message) + ",\"stream\":true}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(url("/chat"))).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        EventStream events = new EventStream();
        Thread.ofVirtual().name("sse-reader").start(() -> events.read(http, request));
        return events;
    }

    /** True when a new TCP connection to the server's port is refused (nothing listens any more). */
    boolean refusesConnections() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (IOException other) {
            return false;
        }
    }

    /** Waits for the process to end; false if it was still running after {@code timeout}. */
    boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    String output() {
        return readLog(log);
    }

    /** Kills the process if it still runs (SIGKILL) and waits for it to be gone. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /**
     * Starts servers for one test; after it (pass or fail) kills those still running, and prints their
     * output if the test failed. Register with {@code @RegisterExtension final ServerProcess.Servers servers = …}.
     */
    static final class Servers implements AfterEachCallback, TestWatcher {
        private final List<ServerProcess> started = new CopyOnWriteArrayList<>();
        private final Set<Path> logs = new LinkedHashSet<>();
        private final StringBuilder output = new StringBuilder();

        ServerProcess start(Path dir, Map<String, String> env) {
            logs.add(dir.resolve("server.log"));
            ServerProcess s = ServerProcess.start(dir, env);
            started.add(s);
            return s;
        }

        @Override
        public void afterEach(ExtensionContext context) {
            try {
                for (ServerProcess s : started) s.close();
            } finally {
                // the temporary directory is gone by the time the watcher hears of a failure
                logs.forEach(log -> output.append(readLog(log)));
            }
        }

        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            System.err.println("---- output of the server processes of " + context.getDisplayName() + " ----\n" + output);
        }
    }

    private static String readLog(Path log) {
        try {
            return "== " + log + "\n" + Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")\n";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** The events of one streamed reply as they arrive: the JSON after each {@code data: }, and how the response ended. */
    static final class EventStream {
        final List<JsonNode> events = new CopyOnWriteArrayList<>();
        /** Completes when the response has been read to its end; exceptionally when it broke off. */
        final CompletableFuture<Integer> end = new CompletableFuture<>();

        private void read(HttpClient http, HttpRequest request) {
            try {
                HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("data: ")) events.add(JSON.readTree(line.substring(6)));
                    }
                }
                end.complete(r.statusCode());
            } catch (Throwable e) {
                end.completeExceptionally(e);
            }
        }

        long chunks() {
            return events.stream().filter(e -> e.has("chunk")).count();
        }

        String text() {
            StringBuilder text = new StringBuilder();
            for (JsonNode e : events) text.append(e.path("chunk").asText(""));
            return text.toString();
        }

        /** True when the last event is {@code {"done": true}}. */
        boolean done() {
            return !events.isEmpty() && events.getLast().path("done").asBoolean(false);
        }

        void awaitChunks(int n, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (chunks() < n) {
                if (end.isDone()) throw new AssertionError("the stream ended after " + events + " (" + end + ")");
                if (System.nanoTime() > deadline) throw new AssertionError("fewer than " + n + " chunks within " + timeout + ": " + events);
                sleep(10);
            }
        }

        @Override
        public String toString() {
            return events.toString();
        }
    }
}
