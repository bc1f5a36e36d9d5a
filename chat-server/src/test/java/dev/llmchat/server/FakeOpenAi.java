package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real OpenAI-compatible HTTP server for tests. It answers every chat completion with
 * {@code "[<model>] Echo: <last user message>"}, streamed in 3-character chunks framed like vLLM
 * (role-only first chunk, usage-only last chunk, {@code [DONE]}), and answers title requests with
 * {@link #title}. Model names script failures: {@code status-503} answers that status with an OpenAI
 * error body, {@code break-after-2} closes the stream after two chunks without {@code [DONE]},
 * {@code slow} waits 150 ms between chunks, {@code flaky-N} answers 503 to its first N calls,
 * {@code ratelimited} always answers 429 with {@code Retry-After: 1}, {@code hang} waits 3 s before
 * answering, {@code stall} goes silent for 5 s after two chunks, {@code malformed} sends a broken chunk
 * after the first, {@code flood} answers {@link Flood} (9 MB of UTF-8) as fast as it can. Every request
 * body is recorded, with the Authorization header it came with as {@code __authorization}; streams whose
 * client went away are recorded in {@link #abandoned}.
 */
final class FakeOpenAi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    /** Models whose stream the client (the server under test) closed before the end. */
    final List<String> abandoned = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();
    volatile String title = "测试标题";
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    FakeOpenAi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        server.setExecutor(executor);
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Chat requests only (title requests excluded). */
    List<JsonNode> chatRequests() {
        return requests.stream().filter(r -> !isTitleRequest(r)).toList();
    }

    List<JsonNode> titleRequests() {
        return requests.stream().filter(FakeOpenAi::isTitleRequest).toList();
    }

    static boolean isTitleRequest(JsonNode r) {
        return r.path("messages").path(0).path("content").asText().startsWith("Write a short title");
    }

    private void handle(HttpExchange ex) throws IOException {
        String asked = "";
        try (ex) {
            JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
            String authorization = ex.getRequestHeaders().getFirst("Authorization");
            ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("__authorization", authorization == null ? "" : authorization);
            requests.add(body);
            String model = body.path("model").asText();
            asked = model;
            int call = calls.computeIfAbsent(model, m -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            if (model.startsWith("flaky-") && call <= Integer.parseInt(model.substring(6))) model = "status-503";
            if (model.equals("ratelimited")) {
                ex.getResponseHeaders().add("Retry-After", "1");
                model = "status-429";
            }
            if (model.equals("hang")) sleep(3000);
            if (model.startsWith("status-")) {
                byte[] err = ("{\"error\":{\"message\":\"fake failure " + model + "\",\"type\":\"server_error\"}}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(Integer.parseInt(model.substring(7)), err.length);
                ex.getResponseBody().write(err);
                return;
            }
            JsonNode messages = body.path("messages");
            boolean flood = model.equals("flood") && !isTitleRequest(body);
            String reply = isTitleRequest(body) ? title
                    : flood ? Flood.TEXT
                    : "[" + body.path("model").asText() + "] Echo: " + messages.path(messages.size() - 1).path("content").asText();
            if (!body.path("stream").asBoolean(false)) {
                String json = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                        + JSON.writeValueAsString(reply) + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}";
                byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, bytes.length);
                ex.getResponseBody().write(bytes);
                return;
            }
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            send(out, "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}");
            List<String> chunks = flood ? Flood.CHUNKS : chunks(reply);
            for (int i = 0; i < chunks.size(); i++) {
                if (model.equals("break-after-2") && i == 2) return;
                if (model.equals("stall") && i == 2) sleep(5000);
                if (model.equals("malformed") && i == 1) send(out, "{\"choices\":[{\"delta\":{\"content\": not json");
                if (model.equals("slow")) sleep(150);
                send(out, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":" + JSON.writeValueAsString(chunks.get(i)) + "},\"finish_reason\":null}]}");
            }
            send(out, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
            send(out, "{\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}");
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException clientGone) {
            // the server under test cancelled the call
            abandoned.add(asked);
        }
    }

    /** The {@code flood} model's reply, built when first used (a holder class: most tests never need its 12 MB). */
    static final class Flood {
        /** 3,000 chunks of 1,000 characters (about 3 KB each in UTF-8), each starting with its number. */
        static final List<String> CHUNKS = java.util.stream.IntStream.range(0, 3000).mapToObj(i -> String.format("%06d", i) + "流".repeat(994)).toList();
        static final String TEXT = String.join("", CHUNKS);

        private Flood() {
        }
    }

    static List<String> chunks(String text) {
        List<String> out = new ArrayList<>();
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i += 3) out.add(new String(cps, i, Math.min(3, cps.length - i)));
        return out;
    }

    private static void send(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
