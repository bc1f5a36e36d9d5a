package dev.llmchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One simulated user of the load driver, on one persistent connection: either through the chat server
 * (its own account and conversation; {@code POST /chat}) or straight to the fake upstream
 * ({@code POST /v1/chat/completions} with the prompt the server would have sent), so both paths do the
 * same turns and are read by the same code.
 */
abstract sealed class Client implements AutoCloseable permits Client.Server, Client.Direct {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

    /** What one streamed turn looked like from the client. */
    static final class Outcome {
        long start;
        long firstAt;
        long endAt;
        long[] arrivals = new long[64];
        int chunks;
        final StringBuilder text = new StringBuilder();
        boolean done;
        String error;

        void arrived(long at) {
            if (chunks == 0) firstAt = at;
            if (chunks == arrivals.length) arrivals = Arrays.copyOf(arrivals, chunks * 2);
            arrivals[chunks++] = at;
        }

        boolean ok() {
            return done && error == null;
        }
    }

    final HttpConn conn;

    Client(HttpConn conn) {
        this.conn = conn;
    }

    abstract Outcome stream(Script script) throws IOException;

    /** One non-streamed turn; returns the reply text. */
    abstract String reply(Script script) throws IOException;

    abstract boolean serverFormat();

    @Override
    public void close() {
        conn.close();
    }

    /** Sends, retrying once on a fresh connection when a reused one turned out to be closed. */
    final HttpConn.Head exchange(String method, String path, String bearer, byte[] body, long[] t0) throws IOException {
        for (int attempt = 0; ; attempt++) {
            boolean reused = conn.wasReused();
            try {
                t0[0] = conn.send(method, path, bearer, body);
                return conn.readHead();
            } catch (IOException e) {
                conn.close();
                if (!reused || attempt > 0) throw e;
            }
        }
    }

    final Outcome streamed(String path, String bearer, byte[] body) throws IOException {
        Outcome o = new Outcome();
        long[] t0 = new long[1];
        HttpConn.Head head = exchange("POST", path, bearer, body, t0);
        o.start = t0[0];
        if (head.status() != 200) {
            byte[] b = conn.readBody(head);
            o.error = "HTTP " + head.status() + ": " + new String(b, 0, Math.min(b.length, 200), StandardCharsets.UTF_8);
            o.endAt = System.nanoTime();
            return o;
        }
        boolean server = serverFormat();
        try {
            conn.readEvents(head, (bytes, length, at) -> onEvent(o, bytes, length, at, server));
        } catch (IOException e) {
            conn.close();
            throw e;
        }
        o.endAt = System.nanoTime();
        if (!o.done && o.error == null) o.error = "stream ended without done";
        return o;
    }

    private static void onEvent(Outcome o, byte[] b, int length, long at, boolean server) {
        // one "data:" line per event in both framings; comments (": ping") carry nothing
        if (length < DATA.length || !startsWith(b, DATA)) return;
        int from = DATA.length;
        if (from < length && b[from] == ' ') from++;
        int n = length - from;
        if (o.done || o.error != null) return;
        try {
            if (!server && n == 6 && new String(b, from, n, StandardCharsets.US_ASCII).equals("[DONE]")) {
                o.done = true;
                return;
            }
            JsonNode root = JSON.readTree(b, from, n);
            if (server) {
                JsonNode chunk = root.get("chunk");
                if (chunk != null) {
                    o.arrived(at);
                    o.text.append(chunk.textValue());
                } else if (root.has("done")) {
                    o.done = true;
                } else if (root.has("error")) {
                    o.error = "stream error: " + root.get("error").asText();
                }
            } else {
                JsonNode content = root.path("choices").path(0).path("delta").path("content");
                if (content.isTextual() && !content.textValue().isEmpty()) {
                    o.arrived(at);
                    o.text.append(content.textValue());
                }
            }
        } catch (IOException e) {
            o.error = "bad event: " + e.getMessage();
        }
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) if (b[i] != prefix[i]) return false;
        return true;
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A user of the chat server: registers, opens a conversation, then takes turns in it. */
    static final class Server extends Client {
        String token;
        String session;

        Server(String host, int port) {
            super(new HttpConn(host, port));
        }

        void register(String username, String password) throws IOException {
            ObjectNode body = JSON.createObjectNode().put("username", username).put("password", password);
            token = json("POST", "/api/auth/register", null, bytes(body)).get("access_token").asText();
        }

        void newConversation() throws IOException {
            session = json("POST", "/conversations", token, "{}".getBytes(StandardCharsets.US_ASCII)).get("session_id").asText();
        }

        JsonNode json(String method, String path, String bearer, byte[] body) throws IOException {
            HttpConn.Head head = exchange(method, path, bearer, body, new long[1]);
            byte[] b = conn.readBody(head);
            if (head.status() != 200) {
                throw new IOException(method + " " + path + ": HTTP " + head.status() + " " + new String(b, StandardCharsets.UTF_8));
            }
            return JSON.readTree(b);
        }

        @Override
        Outcome stream(Script script) throws IOException {
            return streamed("/chat", token, body(script, true));
        }

        @Override
        String reply(Script script) throws IOException {
            return json("POST", "/chat", token, body(script, false)).get("assistant_reply").asText();
        }

        private byte[] body(Script script, boolean stream) {
            return bytes(JSON.createObjectNode().put("session_id", session).put("message", script.message()).put("stream", stream));
        }

        @Override
        boolean serverFormat() {
            return true;
        }
    }

    /**
     * A client of the fake upstream itself: the physical baseline. It sends what the server would send for the
     * same turn: the conversation so far (at most {@code keep} messages; the server's context window keeps about
     * as many) and the new message.
     */
    static final class Direct extends Client {
        private final List<String[]> history = new ArrayList<>();
        private final int keep;

        Direct(String host, int port, int keep) {
            super(new HttpConn(host, port));
            this.keep = keep;
        }

        /** Adds a message to the conversation this client replays. */
        void remember(String role, String content) {
            history.add(new String[] {role, content});
            if (history.size() > keep) history.remove(0);
        }

        /** A turn whose messages are not added to the replayed conversation (the caller mirrors another one). */
        Outcome streamWithoutRemembering(Script script) throws IOException {
            return streamed("/v1/chat/completions", "bench", body(script, true));
        }

        @Override
        Outcome stream(Script script) throws IOException {
            Outcome o = streamed("/v1/chat/completions", "bench", body(script, true));
            if (o.ok() && keep > 0) {
                remember("user", script.message());
                remember("assistant", o.text.toString());
            }
            return o;
        }

        @Override
        String reply(Script script) throws IOException {
            HttpConn.Head head = exchange("POST", "/v1/chat/completions", "bench", body(script, false), new long[1]);
            byte[] b = conn.readBody(head);
            if (head.status() != 200) throw new IOException("HTTP " + head.status());
            String text = JSON.readTree(b).path("choices").path(0).path("message").path("content").asText();
            if (keep > 0) {
                remember("user", script.message());
                remember("assistant", text);
            }
            return text;
        }

        private byte[] body(Script script, boolean stream) {
            ObjectNode root = JSON.createObjectNode().put("model", "fake");
            ArrayNode messages = root.putArray("messages");
            for (String[] m : history) messages.addObject().put("role", m[0]).put("content", m[1]);
            messages.addObject().put("role", "user").put("content", script.message());
            root.put("temperature", 0.7).put("max_tokens", 2000).put("stream", stream);
            return bytes(root);
        }

        @Override
        boolean serverFormat() {
            return false;
        }
    }
}
