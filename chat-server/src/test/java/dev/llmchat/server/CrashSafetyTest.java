package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A write the server acknowledged survives the server being killed (SIGKILL, no shutdown code runs) in
 * the middle of a write-heavy load: SQLite in WAL mode with {@code synchronous=FULL}. The server runs as
 * its own JVM, so the kill is real.
 */
class CrashSafetyTest {
    private static final int CLIENTS = 16;
    /** The load runs at least this long and until {@link #ENOUGH_TURNS} turns were acknowledged (a slow machine needs longer), at most {@link #MAX_LOAD}. */
    private static final Duration MIN_LOAD = Duration.ofMillis(2500);
    private static final Duration MAX_LOAD = Duration.ofSeconds(6);
    private static final int ENOUGH_TURNS = 3 * CLIENTS;
    private static final String MODEL = "preset-model";

    @RegisterExtension
    final ServerProcess.Servers servers = new ServerProcess.Servers();

    /** A conversation created (200) and the messages whose turn was answered 200 in it. */
    record Acked(String user, String sessionId, List<String> messages) {
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void every_acknowledged_write_survives_a_sigkill_under_load_without_corruption_or_duplicates(@TempDir Path dir) throws Exception {
        try (FakeOpenAi upstream = new FakeOpenAi()) {
            Map<String, String> env = ServerProcess.env(dir, upstream.baseUrl(), MODEL);
            env.put("MAX_CONVERSATIONS_PER_USER", "0"); // retention must not delete what the clients were told was stored
            ServerProcess first = servers.start(dir, env);
            List<String> users = new ArrayList<>();
            Map<String, String> tokens = new HashMap<>();
            for (int i = 0; i < CLIENTS; i++) {
                String user = "crash_" + i;
                users.add(user);
                tokens.put(user, first.register(user));
            }

            // given: clients writing as fast as they can, each recording exactly what was acknowledged
            Queue<Acked> acked = new ConcurrentLinkedQueue<>();
            Queue<String> unexpected = new ConcurrentLinkedQueue<>();
            AtomicBoolean killing = new AtomicBoolean();
            AtomicInteger brokenByKill = new AtomicInteger();
            AtomicInteger sent = new AtomicInteger();
            long killedAt;
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                for (String user : users) {
                    clients.submit(() -> write(first, user, tokens.get(user), acked, unexpected, killing, brokenByKill, sent));
                }
                long loadStart = System.nanoTime();
                Thread.sleep(MIN_LOAD.toMillis());
                while (acked.stream().mapToInt(a -> a.messages().size()).sum() < ENOUGH_TURNS
                        && System.nanoTime() - loadStart < MAX_LOAD.toNanos() && unexpected.isEmpty()) {
                    Thread.sleep(50);
                }
                System.out.printf("killing after %d ms of load%n", (System.nanoTime() - loadStart) / 1_000_000);

                // when: SIGKILL while requests are in flight
                killing.set(true);
                ProcessHandle handle = first.process.toHandle();
                first.process.destroyForcibly();
                ProcessHandle gone = handle.onExit().get(10, TimeUnit.SECONDS);
                killedAt = System.nanoTime();
                assertThat(gone.isAlive()).isFalse();
                assertThat(first.process.exitValue()).as("killed by signal 9, not stopped gracefully").isEqualTo(128 + 9);
            }
            System.out.printf("load: %d requests sent, %d conversations and %d turns acknowledged, %d requests cut by the kill%n",
                    sent.get(), acked.size(), acked.stream().mapToInt(a -> a.messages().size()).sum(), brokenByKill.get());
            assertThat(unexpected).as("failures before the kill").isEmpty();
            assertThat(brokenByKill.get()).as("requests in flight when the server was killed").isPositive();
            assertThat(dir.resolve("chat.db-wal")).as("the kill left a write-ahead log for the restart to recover").exists();
            assertThat(acked).hasSizeGreaterThanOrEqualTo(CLIENTS);
            assertThat(acked.stream().mapToInt(a -> a.messages().size()).sum()).isGreaterThanOrEqualTo(CLIENTS);

            // then: the restarted server has every acknowledged write, exactly once
            ServerProcess second = servers.start(dir, env);
            System.out.printf("restarted and healthy %d ms after the kill%n", (System.nanoTime() - killedAt) / 1_000_000);
            List<String> problems = new ArrayList<>();
            int checkedMessages = 0;
            for (String user : users) {
                String token = second.login(user);
                Map<String, JsonNode> histories = new HashMap<>();
                Map<String, Integer> seen = new HashMap<>();
                JsonNode listed = second.get("/conversations", token).json().path("conversations");
                for (JsonNode c : listed) {
                    String id = c.path("session_id").asText();
                    JsonNode history = second.history(token, id);
                    histories.put(id, history);
                    if (c.path("message_count").asInt() != history.size()) {
                        problems.add(user + " " + id + ": message_count " + c.path("message_count") + " but " + history.size() + " messages");
                    }
                    for (JsonNode m : history) seen.merge(m.path("content").asText(), 1, Integer::sum);
                }
                seen.forEach((content, n) -> {
                    if (n > 1) problems.add(user + ": stored " + n + " times: " + content);
                });
                for (Acked a : acked) {
                    if (!a.user().equals(user)) continue;
                    JsonNode history = histories.get(a.sessionId());
                    if (history == null) {
                        problems.add(user + ": acknowledged conversation " + a.sessionId() + " is missing");
                        continue;
                    }
                    for (String text : a.messages()) {
                        checkedMessages++;
                        int at = indexOf(history, text);
                        if (at < 0) {
                            problems.add(user + " " + a.sessionId() + ": acknowledged message missing: " + text);
                        } else if (at + 1 >= history.size()
                                || !history.get(at + 1).path("role").asText().equals("assistant")
                                || !history.get(at + 1).path("content").asText().equals(echo(text))
                                || !history.get(at + 1).path("status").asText().equals("complete")) {
                            problems.add(user + " " + a.sessionId() + ": acknowledged reply to " + text + " missing; after it: "
                                    + (at + 1 < history.size() ? history.get(at + 1) : "nothing"));
                        }
                    }
                }
            }
            assertThat(problems).isEmpty();
            assertThat(checkedMessages).isEqualTo(acked.stream().mapToInt(a -> a.messages().size()).sum());

            // and the file itself is sound, in WAL mode (persistent in the file; synchronous is per connection)
            try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("chat.db").toAbsolutePath());
                 Statement st = db.createStatement()) {
                assertThat(single(st, "PRAGMA integrity_check")).isEqualTo("ok");
                assertThat(single(st, "PRAGMA journal_mode")).isEqualToIgnoringCase("wal");
            }
        }
    }

    /** One client: new conversations with three turns each, until the kill; every message text is unique. */
    private static void write(ServerProcess server, String user, String token, Queue<Acked> acked, Queue<String> unexpected,
                              AtomicBoolean killing, AtomicInteger brokenByKill, AtomicInteger sent) {
        int n = 0;
        try {
            while (!killing.get()) {
                sent.incrementAndGet();
                ServerProcess.Reply created = server.post("/conversations", token, null);
                if (created.status() != 200) {
                    if (!killing.get()) unexpected.add(user + " POST /conversations: " + created);
                    return;
                }
                Acked conversation = new Acked(user, created.json().path("session_id").asText(), new CopyOnWriteArrayList<>());
                acked.add(conversation);
                for (int turn = 0; turn < 3 && !killing.get(); turn++) {
                    String text = user + "-m" + n++ + "-" + UUID.randomUUID();
                    sent.incrementAndGet();
                    ServerProcess.Reply r = server.post("/chat", token, "{\"session_id\":\"" + conversation.sessionId() + "\",\"message\":\"" + text + "\"}");
                    if (r.status() != 200) {
                        if (!killing.get()) unexpected.add(user + " POST /chat: " + r);
                        return;
                    }
                    if (!r.json().path("assistant_reply").asText().equals(echo(text))) unexpected.add(user + " unexpected reply: " + r);
                    conversation.messages().add(text);
                }
            }
        } catch (UncheckedIOException e) {
            if (killing.get()) {
                brokenByKill.incrementAndGet();
            } else {
                unexpected.add(user + ": " + e);
            }
        }
    }

    private static String echo(String text) {
        return "[" + MODEL + "] Echo: " + text;
    }

    private static int indexOf(JsonNode history, String userText) {
        for (int i = 0; i < history.size(); i++) {
            JsonNode m = history.get(i);
            if (m.path("role").asText().equals("user") && m.path("content").asText().equals(userText)) return i;
        }
        return -1;
    }

    private static String single(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            String value = rs.getString(1);
            assertThat(rs.next()).as(sql + " answered more than one row").isFalse();
            return value;
        }
    }
}
