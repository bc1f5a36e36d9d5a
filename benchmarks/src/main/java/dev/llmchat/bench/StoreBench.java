package dev.llmchat.bench;

import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.Message;
import dev.llmchat.core.NewMessage;
import dev.llmchat.core.NewUser;
import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.Role;
import dev.llmchat.core.User;
import dev.llmchat.core.UserId;
import dev.llmchat.store.SqlStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The store's pages on large data, through the public {@link SqlStore}: a history page of 100 from a
 * conversation of {@code size} messages and a list page of 50 for a user with {@code size} conversations,
 * each as the first page and as a page deep inside (90% in, by the cursor the pages before returned), and the
 * first page of a conversation of 6 messages started after the big one (the skew that misled PostgreSQL), on
 * SQLite (a file, WAL, synchronous=FULL as the store sets it) and PostgreSQL. The data are written once per
 * database and size with batched JDBC inserts into the schema the store created (appending 100,000 messages
 * one transaction at a time would take minutes), then reused by every fork.
 * System properties: {@code bench.store.dir} (SQLite file's directory), {@code bench.pg.db} (the PostgreSQL
 * database, created if missing; bin/bench drops it), {@code bench.pg.server} (default
 * {@code postgres@127.0.0.1:5432}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoreBench {
    @Param({"sqlite", "postgresql"})
    public String db;

    @Param({"1000", "100000"})
    public int size;

    private SqlStore store;
    private UserId owner;
    private ConversationId conversation;
    private ConversationId newConversation;
    private String deepHistory;
    private String deepList;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Database database = Database.of(db, "store.db");
        store = SqlStore.open(database.url());
        String jdbc = database.jdbc();
        String user = database.user();
        String username = "bench_s" + size;
        conversation = new ConversationId("bench-history-" + size);
        newConversation = new ConversationId("bench-new-" + size);
        Optional<User> existing = store.findByUsername(username);
        if (existing.isPresent() && store.find(existing.get().id(), newConversation).isPresent()) {
            owner = existing.get().id();
        } else {
            owner = store.create(new NewUser(username, "", "locked", false, Instant.now())).id();
            try (Connection c = DriverManager.getConnection(jdbc, user, null)) {
                populate(c, owner, size, conversation);
            }
            // through the store, after the big one: its messages have the newest ids
            store.create(newConversation, owner, "新的对话", "", Instant.now());
            for (int i = 0; i < 6; i++) store.append(newConversation, NewMessage.of(i % 2 == 0 ? Role.USER : Role.ASSISTANT, Script.piece(i, 0), Instant.now()));
            // the planners' statistics, once all rows are in: the skew is what historyNewConversation measures
            try (Connection c = DriverManager.getConnection(jdbc, user, null); var st = c.createStatement()) {
                st.execute(jdbc.startsWith("jdbc:sqlite:") ? "ANALYZE" : "ANALYZE conversations, messages");
            }
        }
        deepHistory = cursorAfter(p -> store.history(conversation, p), size * 9 / 10);
        deepList = cursorAfter(p -> store.list(owner, p), size * 9 / 10);
    }

    /**
     * The benchmarks' database: {@code sqlite} (a file named {@code sqliteFile} in {@code bench.store.dir}) or
     * {@code postgresql} ({@code bench.pg.db} on {@code bench.pg.server}, created if missing), as the store's URL and
     * as JDBC's (with the user for PostgreSQL; null for SQLite).
     */
    record Database(String url, String jdbc, String user) {
        static Database of(String db, String sqliteFile) throws Exception {
            if (db.equals("sqlite")) {
                Path dir = Path.of(System.getProperty("bench.store.dir", "benchmarks/target/bench-store")).toAbsolutePath();
                Files.createDirectories(dir);
                Path file = dir.resolve(sqliteFile);
                return new Database("sqlite:///" + file, "jdbc:sqlite:" + file, null);
            }
            String server = System.getProperty("bench.pg.server", "postgres@127.0.0.1:5432");
            String name = System.getProperty("bench.pg.db", "llmchat_bench");
            PgAdmin.create(server, name);
            return new Database("postgresql://" + server + "/" + name,
                    "jdbc:postgresql://" + server.substring(server.indexOf('@') + 1) + "/" + name + "?reWriteBatchedInserts=true",
                    server.substring(0, server.indexOf('@')));
        }
    }

    private interface Pager {
        Page<?> page(PageRequest request);
    }

    /** The cursor that pages of 1000 return after {@code items} items. */
    private static String cursorAfter(Pager pager, int items) {
        Optional<String> cursor = Optional.empty();
        for (int seen = 0; seen < items; seen += 1000) {
            cursor = pager.page(new PageRequest(Math.min(1000, items - seen), cursor)).nextCursor();
        }
        return cursor.orElseThrow();
    }

    /** {@code size} conversations (activity one millisecond apart) and one more holding {@code size} messages. */
    static void populate(Connection c, UserId owner, int size, ConversationId history) throws SQLException {
        c.setAutoCommit(false);
        long t0 = 1_760_000_000_000L;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO conversations (session_id, user_id, title, system_prompt, created_at, updated_at, message_count)"
                + " VALUES (?, ?, ?, '', ?, ?, ?)")) {
            for (int i = 0; i < size; i++) {
                ps.setString(1, "bench-" + size + "-" + i);
                ps.setLong(2, owner.value());
                ps.setString(3, "关于性能的对话 " + i);
                ps.setLong(4, t0 + i);
                ps.setLong(5, t0 + i);
                ps.setInt(6, 0);
                ps.addBatch();
                if (i % 1000 == 999) ps.executeBatch();
            }
            ps.setString(1, history.value());
            ps.setLong(2, owner.value());
            ps.setString(3, "长对话");
            ps.setLong(4, t0 - 1);
            ps.setLong(5, t0 - 1);
            ps.setInt(6, size);
            ps.addBatch();
            ps.executeBatch();
        }
        long rowId;
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM conversations WHERE session_id = ?")) {
            ps.setString(1, history.value());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                rowId = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO messages (conversation_id, role, content, status, created_at, prompt_tokens, completion_tokens)"
                + " VALUES (?, ?, ?, 'complete', ?, 0, 0)")) {
            for (int i = 0; i < size; i++) {
                StringBuilder text = new StringBuilder();
                for (int k = 0; k < 16; k++) text.append(Script.piece(i, k));
                ps.setLong(1, rowId);
                ps.setString(2, i % 2 == 0 ? "user" : "assistant");
                ps.setString(3, text.toString());
                ps.setLong(4, t0 + i);
                ps.addBatch();
                if (i % 1000 == 999) ps.executeBatch();
            }
            ps.executeBatch();
        }
        c.commit();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        store.close();
    }

    @Benchmark
    public Page<Message> historyFirstPage() {
        return store.history(conversation, PageRequest.first(100));
    }

    @Benchmark
    public Page<Message> historyDeepPage() {
        return store.history(conversation, new PageRequest(100, Optional.of(deepHistory)));
    }

    @Benchmark
    public Page<Message> historyNewConversation() {
        return store.history(newConversation, PageRequest.first(100));
    }

    @Benchmark
    public Page<Conversation> listFirstPage() {
        return store.list(owner, PageRequest.first(50));
    }

    @Benchmark
    public Page<Conversation> listDeepPage() {
        return store.list(owner, new PageRequest(50, Optional.of(deepList)));
    }
}
