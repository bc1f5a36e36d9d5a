package dev.llmchat.store;

import com.zaxxer.hikari.HikariDataSource;
import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.ConversationStore;
import dev.llmchat.core.KeyedQuestion;
import dev.llmchat.core.Message;
import dev.llmchat.core.MessageStatus;
import dev.llmchat.core.ModelSettings;
import dev.llmchat.core.NewMessage;
import dev.llmchat.core.NewUser;
import dev.llmchat.core.Page;
import dev.llmchat.core.PageRequest;
import dev.llmchat.core.SearchHit;
import dev.llmchat.core.SettingsStore;
import dev.llmchat.core.User;
import dev.llmchat.core.UserId;
import dev.llmchat.core.UserStore;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.JavaMigration;
import org.flywaydb.core.api.output.MigrateResult;
import org.jdbi.v3.core.Jdbi;

/**
 * The SQL implementation of the core's stores, on SQLite, PostgreSQL or MySQL/MariaDB: {@link #open} it once
 * with the {@code DATABASE_URL} (see {@link DatabaseUrl}), share it (it is thread-safe and pools its
 * connections) and {@link #close} it at shutdown. Opening creates or upgrades the schema, recording its
 * migrations in its own table, {@code llmchat_schema_history}, so it can share a database with an application
 * that uses Flyway itself; a database of the original Python backend is upgraded in place (its tables are kept
 * as {@code legacy_conversations}, {@code legacy_messages} and {@code legacy_user_configs}, which can be dropped
 * once the upgrade is verified; see {@link StoreOptions}). The PostgreSQL and MariaDB JDBC drivers are optional
 * dependencies: add the one you need.
 */
public final class SqlStore implements ConversationStore, UserStore, SettingsStore, AutoCloseable {
    static final String HISTORY_TABLE = "llmchat_schema_history";

    private static final System.Logger LOG = System.getLogger(SqlStore.class.getName());
    private static final int HEALTH_TIMEOUT_SECONDS = 2;

    private final HikariDataSource pool;
    private final DatabaseUrl.Kind kind;
    private final Jdbi jdbi;
    private final SqlConversations conversations;
    private final SqlUsers users;
    private final SqlSettings settings;

    private SqlStore(HikariDataSource pool, DatabaseUrl.Kind kind) {
        this.pool = pool;
        this.kind = kind;
        this.jdbi = Mapping.configure(Jdbi.create(pool));
        if (kind == DatabaseUrl.Kind.SQLITE) jdbi.setStatementBuilderFactory(new SqliteStatements());
        Writes writes = new Writes(jdbi, kind == DatabaseUrl.Kind.SQLITE);
        this.conversations = new SqlConversations(jdbi, writes, kind);
        this.users = new SqlUsers(jdbi, writes, kind);
        this.settings = new SqlSettings(jdbi, writes, Clock.systemUTC());
    }

    /**
     * Parses the URL, connects and brings the schema up to date, with {@link StoreOptions#DEFAULTS}.
     *
     * @throws IllegalArgumentException when the URL is not understood
     * @throws IllegalStateException when the database cannot be used (its driver is missing, it holds tables of
     *         another application by the store's names, an upgrade failed)
     */
    public static SqlStore open(String databaseUrl) {
        return open(DatabaseUrl.parse(databaseUrl), StoreOptions.DEFAULTS);
    }

    /** As {@link #open(String)}, with options for upgrading a database of the original Python backend. */
    public static SqlStore open(String databaseUrl, StoreOptions options) {
        return open(DatabaseUrl.parse(databaseUrl), options);
    }

    /** Connects and brings the schema up to date, with {@link StoreOptions#DEFAULTS}. */
    public static SqlStore open(DatabaseUrl url) {
        return open(url, StoreOptions.DEFAULTS);
    }

    /** Connects and brings the schema up to date. */
    public static SqlStore open(DatabaseUrl url, StoreOptions options) {
        HikariDataSource pool = switch (url.kind()) {
            case SQLITE -> SqlitePool.open(url);
            case POSTGRESQL, MYSQL -> ServerPool.open(url);
        };
        try {
            migrate(pool, url.kind(), options);
            return new SqlStore(pool, url.kind());
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /**
     * Copies every account, conversation, message and setting of {@code from}, ids included, into {@code to},
     * which must be empty (just opened on a new database), and moves {@code to}'s id sequences past them; to
     * move from one database to another, e.g. SQLite to PostgreSQL. Rows are streamed in batches, in one
     * transaction on {@code to}: if the copy fails, {@code to} stays empty. Stop the servers using {@code from}
     * first, or the copy misses what they write meanwhile.
     *
     * @throws IllegalStateException when {@code to} holds any row, or the copy failed
     */
    /**
     * Writes a consistent copy of a SQLite database to {@code target} while the store stays in use
     * ({@code VACUUM INTO}: one read transaction, so the copy is a snapshot and writers are not blocked
     * under WAL). PostgreSQL and MySQL have their own tools ({@code pg_dump}, {@code mysqldump}).
     *
     * @throws IllegalArgumentException when {@code target} exists
     * @throws UnsupportedOperationException for PostgreSQL and MySQL
     */
    public void backup(java.nio.file.Path target) {
        if (kind != DatabaseUrl.Kind.SQLITE) {
            throw new UnsupportedOperationException("online backup is built in for SQLite only; use "
                    + (kind == DatabaseUrl.Kind.POSTGRESQL ? "pg_dump" : "mysqldump --single-transaction"));
        }
        java.nio.file.Path file = target.toAbsolutePath();
        if (java.nio.file.Files.exists(file)) throw new IllegalArgumentException(file + " exists; choose a new file name");
        jdbi.useHandle(h -> h.execute("VACUUM INTO ?", file.toString()));
    }

    public static void copy(SqlStore from, SqlStore to) {
        StoreCopy.copy(from.pool, from.kind, to.pool, to.kind);
    }

    /** Connections of the pool right now: in use, idle, and requests waiting for one. */
    public record PoolStats(int active, int idle, int waiting) {
    }

    public PoolStats poolStats() {
        com.zaxxer.hikari.HikariPoolMXBean bean = pool.getHikariPoolMXBean();
        return bean == null ? new PoolStats(0, 0, 0) : new PoolStats(bean.getActiveConnections(), bean.getIdleConnections(), bean.getThreadsAwaitingConnection());
    }

    /** Whether the database answers a trivial query within a couple of seconds; never throws. */
    public boolean healthy() {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT 1").setQueryTimeout(HEALTH_TIMEOUT_SECONDS).mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "database health check failed", e);
            return false;
        }
    }

    /** Direct access for this package's tests. */
    Jdbi jdbi() {
        return jdbi;
    }

    /** Closes the connection pool; the store is unusable afterwards. */
    @Override
    public void close() {
        pool.close();
    }

    @Override
    public Conversation create(ConversationId id, UserId owner, String title, String systemPrompt, Instant createdAt) {
        return conversations.create(id, owner, title, systemPrompt, createdAt);
    }

    @Override
    public Optional<Conversation> find(UserId owner, ConversationId id) {
        return conversations.find(owner, id);
    }

    @Override
    public Page<Conversation> list(UserId owner, PageRequest page) {
        return conversations.list(owner, page);
    }

    @Override
    public List<SearchHit> search(UserId owner, String text, int limit) {
        return conversations.search(owner, text, limit);
    }

    @Override
    public boolean delete(UserId owner, ConversationId id) {
        return conversations.delete(owner, id);
    }

    @Override
    public int deleteOldest(UserId owner, int keep) {
        return conversations.deleteOldest(owner, keep);
    }

    @Override
    public Message append(ConversationId id, NewMessage message) {
        return conversations.append(id, message);
    }

    @Override
    public boolean renewTurn(ConversationId id, String turnId, Instant expiresAt) {
        return conversations.renewTurn(id, turnId, expiresAt);
    }

    @Override
    public Optional<Message> startTurn(ConversationId id, String turnId, Instant now, Instant expiresAt, NewMessage question, UserId owner, String key) {
        return conversations.startTurn(id, turnId, now, expiresAt, question, owner, key);
    }

    @Override
    public Optional<KeyedQuestion> findQuestion(UserId owner, String key) {
        return conversations.findQuestion(owner, key);
    }

    @Override
    public Optional<Message> next(ConversationId id, long messageId) {
        return conversations.next(id, messageId);
    }

    @Override
    public void update(ConversationId id, long messageId, String content, MessageStatus status, int promptTokens, int completionTokens) {
        conversations.update(id, messageId, content, status, promptTokens, completionTokens);
    }

    @Override
    public int interruptOrphans(Instant now) {
        return conversations.interruptOrphans(now);
    }

    @Override
    public Page<Message> history(ConversationId id, PageRequest page) {
        return conversations.history(id, page);
    }

    @Override
    public List<Message> recent(ConversationId id, long beforeId, int limit) {
        return conversations.recent(id, beforeId, limit);
    }

    @Override
    public boolean beginTurn(ConversationId id, String turnId, Instant now, Instant expiresAt) {
        return conversations.beginTurn(id, turnId, now, expiresAt);
    }

    @Override
    public void endTurn(ConversationId id, String turnId) {
        conversations.endTurn(id, turnId);
    }

    @Override
    public Message finishTurn(ConversationId id, String turnId, long replyId, NewMessage reply) {
        return conversations.finishTurn(id, turnId, replyId, reply);
    }

    @Override
    public boolean retitle(ConversationId id, String expected, String title) {
        return conversations.retitle(id, expected, title);
    }

    @Override
    public User create(NewUser user) {
        return users.create(user);
    }

    @Override
    public Optional<User> findById(UserId id) {
        return users.findById(id);
    }

    @Override
    public Optional<User> findByUsername(String username) {
        return users.findByUsername(username);
    }

    @Override
    public long count() {
        return users.count();
    }

    @Override
    public Page<User> list(PageRequest page) {
        return users.list(page);
    }

    @Override
    public boolean setActive(UserId id, boolean active) {
        return users.setActive(id, active);
    }

    @Override
    public boolean setPasswordHash(UserId id, String passwordHash) {
        return users.setPasswordHash(id, passwordHash);
    }

    @Override
    public Optional<ModelSettings> find(UserId user) {
        return settings.find(user);
    }

    @Override
    public void save(UserId user, ModelSettings modelSettings) {
        settings.save(user, modelSettings);
    }

    private static void migrate(DataSource dataSource, DatabaseUrl.Kind kind, StoreOptions options) {
        List<JavaMigration> legacy = List.of(new LegacySetAside(kind), new LegacyImport(kind, options, Clock.systemUTC()));
        Flyway flyway = Flyway.configure(SqlStore.class.getClassLoader())
                .dataSource(dataSource)
                .table(HISTORY_TABLE)
                .locations("classpath:dev/llmchat/store/migration/" + kind.name().toLowerCase(Locale.ROOT))
                .javaMigrations(legacy.toArray(JavaMigration[]::new))
                .failOnMissingLocations(true)
                // A database that already holds tables (the host application's, the Python backend's) is fine:
                // start our history at 0, then V1 sets the Python backend's tables aside.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load();
        try {
            if (kind == DatabaseUrl.Kind.MYSQL) forgetFailuresOf(flyway, legacy);
            MigrateResult result = flyway.migrate();
            if (result.migrationsExecuted > 0) {
                LOG.log(Level.INFO, "applied {0} schema migration(s); schema is at version {1}", result.migrationsExecuted, result.targetSchemaVersion);
            }
        } catch (FlywayException e) {
            // Our own migrations explain what is wrong with the database in one sentence: show that one.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IllegalStateException ours) throw new IllegalStateException(ours.getMessage(), e);
            }
            throw e;
        }
    }

    /**
     * MySQL cannot roll DDL back, so Flyway records a failed migration there and refuses to go on until someone
     * runs "repair". The legacy migrations change nothing when they fail (one RENAME TABLE statement; one
     * transaction of inserts), so their failure is forgotten and they run again. A failed V2 still needs a person.
     */
    private static void forgetFailuresOf(Flyway flyway, List<JavaMigration> atomic) {
        Set<MigrationVersion> versions = atomic.stream().map(JavaMigration::getVersion).collect(Collectors.toSet());
        boolean failed = Arrays.stream(flyway.info().all())
                .anyMatch(m -> m.getState() == MigrationState.FAILED && versions.contains(m.getVersion()));
        if (failed) {
            LOG.log(Level.WARNING, "an earlier upgrade of the Python backend's tables failed without changing anything; trying again");
            flyway.repair();
        }
    }
}
