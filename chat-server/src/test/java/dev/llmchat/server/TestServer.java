package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The real server on a real port with a SQLite file and a {@link FakeOpenAi} upstream as its presets,
 * plus a small HTTP client. Password hashing runs at its lowest cost to keep tests fast.
 */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final FakeOpenAi upstream;
    final ChatServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(Path dir) {
        this(dir, Map.of());
    }

    TestServer(Path dir, Map<String, String> overrides) {
        try {
            upstream = new FakeOpenAi();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> vars = new HashMap<>();
        vars.put("HOST", "127.0.0.1");
        vars.put("PORT", "0");
        vars.put("DATABASE_URL", "sqlite:///" + dir.resolve("chat.db"));
        vars.put("DATA_DIR", dir.resolve("data").toString());
        vars.put("LLM_API_URL", upstream.baseUrl());
        vars.put("LLM_MODEL", "preset-model");
        vars.put("LLM_API_KEY", "sk-operator-secret-key-0001");
        vars.put("PASSWORD_HASH_MEMORY_KIB", "1024");
        // the fake model server is on loopback, which custom endpoints may not reach by default
        vars.put("OUTBOUND_ALLOW_NETWORKS", "127.0.0.0/8");
        // many users register from one address in these tests; SecurityTest switches the limits on
        vars.put("RATE_LIMIT_LOGIN_PER_MINUTE", "0");
        vars.put("RATE_LIMIT_REGISTER_PER_HOUR", "0");
        vars.put("RATE_LIMIT_CHAT_PER_MINUTE", "0");
        vars.put("MAX_STREAMS_PER_USER", "1000");
        vars.putAll(overrides);
        server = ChatServer.start(ServerConfig.fromVariables(vars));
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /** Registers a user and returns their bearer token. */
    String register(String username) {
        Response r = send("POST", "/api/auth/register", null, "{\"username\":\"" + username + "\",\"password\":\"correct horse battery\"}");
        if (r.status() != 200) throw new AssertionError("register failed: " + r);
        return r.json().path("access_token").asText();
    }

    String newConversation(String token) {
        return send("POST", "/conversations", token, null).json().path("session_id").asText();
    }

    Response get(String path, String token) {
        return send("GET", path, token, null);
    }

    Response post(String path, String token, String json) {
        return send("POST", path, token, json);
    }

    Response send(String method, String path, String token, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (json != null) b.header("Content-Type", "application/json");
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        return send(b.build());
    }

    Response send(HttpRequest request) {
        return send(http, request);
    }

    static Response send(HttpClient client, HttpRequest request) {
        try {
            HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Response(int status, Map<String, java.util.List<String>> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + text(), e);
            }
        }

        /** The text of a streamed reply: its chunks joined. */
        String streamedText() {
            StringBuilder text = new StringBuilder();
            for (String line : text().split("\n")) {
                if (!line.startsWith("data: ")) continue;
                try {
                    text.append(JSON.readTree(line.substring(6)).path("chunk").asText(""));
                } catch (IOException e) {
                    throw new AssertionError("bad event " + line, e);
                }
            }
            return text.toString();
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + text();
        }
    }

    /**
     * Starts a streamed turn over a raw socket with a small receive buffer, and reads nothing: the caller
     * decides when, and whether, to read. HTTP/1.0, so the response ends when the server closes the
     * connection (no chunked framing to undo); {@link #raw} parses what was read.
     */
    java.net.Socket streamUnread(String token, String sessionId, String message) throws IOException {
        java.net.Socket socket = new java.net.Socket();
        socket.setReceiveBufferSize(4096);
        socket.setSoTimeout(30_000); // a relay that never resumes fails the test instead of hanging it
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
        byte[] body = ("{\"session_id\":\"" + sessionId + "\",\"message\":\"" + message + "\",\"stream\":true}").getBytes(StandardCharsets.UTF_8);
        java.io.OutputStream out = socket.getOutputStream();
        out.write(("POST /chat HTTP/1.0\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return socket;
    }

    /** A raw HTTP/1.x response as read from a socket: its status and body (headers dropped). */
    static Response raw(byte[] response) {
        String head = new String(response, 0, Math.min(response.length, 4096), StandardCharsets.ISO_8859_1);
        int end = head.indexOf("\r\n\r\n");
        if (!head.startsWith("HTTP/1.") || end < 0) throw new AssertionError("not an HTTP response: " + head);
        int status = Integer.parseInt(head.substring(9, 12));
        return new Response(status, Map.of(), java.util.Arrays.copyOfRange(response, end + 4, response.length));
    }

    static void await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within " + timeout);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        server.close();
        upstream.close();
    }
}
