package dev.llmchat.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;

/** Clients that open streams and vanish leave nothing behind: no live reply, no stream, no thread, no upstream call. */
class LeakTest {
    private static final int STREAMS = 1000;

    /**
     * Platform threads of the server side. The test's own HTTP client ("HttpClient-") and OkHttp's task
     * runner, a cached pool whose idle threads expire after a minute, are left out.
     */
    private static List<String> serverThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> !n.startsWith("HttpClient-") && !n.equals("OkHttp TaskRunner")).sorted().toList();
    }

    private static double metric(TestServer s, String name) {
        return s.get("/metrics", null).text().lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Sends a streamed chat over a raw socket, waits for the first event, then drops the connection. */
    private static void openAndVanish(TestServer s, String token, String id) throws Exception {
        String body = "{\"session_id\":\"" + id + "\",\"message\":\"" + "please write a long answer ".repeat(12) + "\",\"stream\":true}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            socket.getOutputStream().write(("POST /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(bytes);
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            for (int b; !seen.toString().contains("data: ") && (b = in.read()) >= 0; ) seen.append((char) b);
            assertThat(seen.toString()).startsWith("HTTP/1.1 200").contains("data: ");
        }
    }

    @Test
    void a_thousand_abandoned_streams_return_every_count_to_idle(@TempDir Path dir) throws Exception {
        try (TestServer s = new TestServer(dir, java.util.Map.of("LLM_MODEL", "slow", "MAX_CONVERSATIONS_PER_USER", "0"))) {
            String token = s.register("leaker");
            abandon(s, token, 50);
            TestServer.await(() -> metric(s, "llmchat_replies_live") == 0, Duration.ofSeconds(30));
            int threadsWarm = serverThreads().size();

            abandon(s, token, STREAMS);

            try {
                TestServer.await(() -> metric(s, "llmchat_replies_live") == 0 && metric(s, "llmchat_streams_active") == 0, Duration.ofSeconds(30));
            } catch (AssertionError e) {
                throw new AssertionError("live=" + metric(s, "llmchat_replies_live") + " streams=" + metric(s, "llmchat_streams_active")
                        + " abandoned=" + s.upstream.abandoned.size(), e);
            }
            // the model server sees each cancelled call when its next write fails
            TestServer.await(() -> s.upstream.abandoned.stream().filter("slow"::equals).count() == STREAMS + 50, Duration.ofSeconds(15));
            try {
                TestServer.await(() -> serverThreads().size() <= threadsWarm + 2, Duration.ofSeconds(30));
            } catch (AssertionError e) {
                throw new AssertionError("platform threads " + threadsWarm + " -> " + serverThreads(), e);
            }
            assertThat(metric(s, "llmchat_db_pool_active")).isZero();
            assertThat(s.get("/conversations", token).json().path("conversations")).hasSize(STREAMS + 50);
            assertThat(s.get("/conversations?limit=1", token).json().path("conversations").get(0).path("message_count").asInt()).isEqualTo(2);
        }
    }

    private static void abandon(TestServer s, String token, int streams) throws Exception {
        Semaphore inFlight = new Semaphore(100);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> all = new ArrayList<>();
                for (int i = 0; i < streams; i++) {
                    all.add(pool.submit(() -> {
                        inFlight.acquire();
                        try {
                            openAndVanish(s, token, s.newConversation(token));
                        } finally {
                            inFlight.release();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : all) f.get();
            }
    }
}
