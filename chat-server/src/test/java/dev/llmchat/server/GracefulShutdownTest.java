package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM stops the server gracefully: it stops accepting at once, lets replies being streamed finish
 * within {@code SHUTDOWN_GRACE_SECONDS}, stops (and stores as {@code incomplete}) those that do not, closes
 * the database and exits 0. The server runs as its own JVM, so the signal is real. The {@code slow} model
 * of {@link FakeOpenAi} sends a 3-character chunk every 150 ms.
 */
class GracefulShutdownTest {
    private static final String MODEL = "slow";

    @RegisterExtension
    final ServerProcess.Servers servers = new ServerProcess.Servers();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sigterm_while_the_store_is_still_opening_exits_with_status_0(@TempDir Path dir) throws Exception {
        // given: a database server that accepts connections and never answers, so start-up waits in opening the store
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) accepted.add(silent.accept());
                } catch (IOException closed) {
                    // the test is over
                }
            });
            Map<String, String> env = ServerProcess.env(dir, "http://127.0.0.1:9/v1", MODEL);
            env.put("DATABASE_URL", "postgresql://postgres@127.0.0.1:" + silent.getLocalPort() + "/silent");
            try (ServerProcess server = ServerProcess.launch(dir, env)) {
                TestServer.await(() -> !accepted.isEmpty(), Duration.ofSeconds(30));

                // when
                server.process.destroy(); // SIGTERM

                // then: a stop, not a death by signal (143)
                assertThat(server.awaitExit(Duration.ofSeconds(10))).as("exited within 10 s of SIGTERM").isTrue();
                assertThat(server.process.exitValue()).as(server.output()).isZero();
            } finally {
                for (Socket s : accepted) s.close();
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void a_reply_being_streamed_finishes_within_the_grace_period_while_new_connections_are_refused(@TempDir Path dir) throws Exception {
        try (FakeOpenAi upstream = new FakeOpenAi()) {
            Map<String, String> env = ServerProcess.env(dir, upstream.baseUrl(), MODEL);
            env.put("SHUTDOWN_GRACE_SECONDS", "10");
            ServerProcess server = servers.start(dir, env);
            String token = server.register("graceful");
            String id = server.newConversation(token);
            String message = "please finish this reply before you stop, thanks";
            String full = "[" + MODEL + "] Echo: " + message; // 21 chunks, about 3 s
            ServerProcess.EventStream stream = server.stream(token, id, message);
            stream.awaitChunks(2, Duration.ofSeconds(10));

            // when
            server.process.destroy(); // SIGTERM

            // then: the port is closed while the reply is still being streamed
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!server.refusesConnections()) {
                assertThat(System.nanoTime()).as("still accepting connections 5 s after SIGTERM").isLessThan(deadline);
                ServerProcess.sleep(20);
            }
            assertThat(stream.end).as("the stream was still open when new connections were refused").isNotDone();
            assertThat(server.process.isAlive()).isTrue();

            // and the reply finishes, the process exits 0
            assertThat(stream.end.get(20, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(stream.done()).as("ends with done: " + stream).isTrue();
            assertThat(stream.text()).isEqualTo(full);
            assertThat(server.awaitExit(Duration.ofSeconds(20))).as("exited after the reply finished").isTrue();
            assertThat(server.process.exitValue()).isZero();
            assertThat(server.output()).contains("waiting up to 10s for 1 turn(s)");
            assertThat(dir.resolve("chat.db-wal")).as("the database was closed: its last connection checkpointed and removed the WAL").doesNotExist();

            // and it was stored complete
            ServerProcess restarted = servers.start(dir, env);
            JsonNode history = restarted.history(restarted.login("graceful"), id);
            assertThat(history).hasSize(2);
            assertThat(history.get(0).path("content").asText()).isEqualTo(message);
            assertThat(history.get(1).path("content").asText()).isEqualTo(full);
            assertThat(history.get(1).path("status").asText()).isEqualTo("complete");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void a_non_streamed_turn_in_flight_finishes_within_the_grace_period(@TempDir Path dir) throws Exception {
        try (FakeOpenAi upstream = new FakeOpenAi()) {
            Map<String, String> env = ServerProcess.env(dir, upstream.baseUrl(), "hang"); // answers after 3 s
            env.put("SHUTDOWN_GRACE_SECONDS", "10");
            ServerProcess server = servers.start(dir, env);
            String token = server.register("patient");
            String id = server.newConversation(token);
            java.util.concurrent.CompletableFuture<ServerProcess.Reply> answer = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> server.post("/chat", token, "{\"session_id\":\"" + id + "\",\"message\":\"take your time\"}"));
            while (upstream.chatRequests().isEmpty()) ServerProcess.sleep(20);

            server.process.destroy(); // SIGTERM while the model is still thinking

            ServerProcess.Reply reply = answer.get(30, TimeUnit.SECONDS);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(server.awaitExit(Duration.ofSeconds(20))).isTrue();
            assertThat(server.process.exitValue()).isZero();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void a_reply_longer_than_the_grace_period_is_stopped_and_its_text_so_far_stored_as_incomplete(@TempDir Path dir) throws Exception {
        try (FakeOpenAi upstream = new FakeOpenAi()) {
            Map<String, String> env = ServerProcess.env(dir, upstream.baseUrl(), MODEL);
            env.put("SHUTDOWN_GRACE_SECONDS", "0");
            ServerProcess server = servers.start(dir, env);
            String token = server.register("impatient");
            String id = server.newConversation(token);
            String message = "0123456789".repeat(30);
            String full = "[" + MODEL + "] Echo: " + message; // 105 chunks, about 16 s
            ServerProcess.EventStream stream = server.stream(token, id, message);
            stream.awaitChunks(3, Duration.ofSeconds(10));

            // when
            long signalled = System.nanoTime();
            server.process.destroy(); // SIGTERM

            // then: the process exits 0 long before the reply would have ended
            assertThat(server.awaitExit(Duration.ofSeconds(10))).as("exited within 10 s of SIGTERM").isTrue();
            long exitMillis = (System.nanoTime() - signalled) / 1_000_000;
            System.out.printf("exited %d ms after SIGTERM%n", exitMillis);
            assertThat(server.process.exitValue()).isZero();
            assertThat(server.output()).contains("stopping 1 reply(ies)");
            assertThat(dir.resolve("chat.db-wal")).as("the database was closed: its last connection checkpointed and removed the WAL").doesNotExist();
            try {
                stream.end.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException brokenOff) {
                // the stream may end with an error event or be cut; either way it must not claim to be done
            }
            assertThat(stream.done()).as("a stopped reply is not done: " + stream).isFalse();
            assertThat(full).startsWith(stream.text());

            // and what was written is stored as incomplete, a prefix of the whole reply
            ServerProcess restarted = servers.start(dir, env);
            JsonNode history = restarted.history(restarted.login("impatient"), id);
            assertThat(history).hasSize(2);
            JsonNode reply = history.get(1);
            String stored = reply.path("content").asText();
            assertThat(reply.path("role").asText()).isEqualTo("assistant");
            assertThat(reply.path("status").asText()).isEqualTo("incomplete");
            assertThat(stored).isNotEmpty().startsWith(stream.text());
            assertThat(full).startsWith(stored);
            assertThat(stored.length()).isLessThan(full.length());
            System.out.printf("client saw %d chars (%s), stored %d of %d chars%n", stream.text().length(), stream.events.getLast(),
                    stored.length(), full.length());
        }
    }
}
