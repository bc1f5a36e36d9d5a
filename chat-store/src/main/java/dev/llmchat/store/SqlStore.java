package dev.llmchat.store;

import com.zaxxer.hikari.HikariDataSource;
import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.ConversationStore;
import dev.llmchat.core.Message;
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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jdbi.v3.core.Jdbi;

/**
 * The SQL implementation of the core's stores: {@link #open} it once with the {@code DATABASE_URL} (see
 * {@link DatabaseUrl}), share it (it is thread-safe and pools its connections) and {@link #close} it at
 * shutdown. Opening creates or upgrades the schema; the store records its migrations in its own table,
 * {@code llmchat_schema_history}, so it can share a database with an application that uses Flyway itself.
 * Only SQLite is supported so far.
 */
public final class SqlStore implements ConversationStore, UserStore, SettingsStore, AutoCloseable {
    static final String HISTORY_TABLE = "llmchat_schema_history";

    private static final System.Logger LOG = System.getLogger(SqlStore.class.getName());
    private static final int HEALTH_TIMEOUT_SECONDS = 2;

    private final HikariDataSource pool;
    private final Jdbi jdbi;
    private final SqlConversations conversations;
    private final SqlUsers users;
    private final SqlSettings settings;

    private SqlStore(HikariDataSource pool) {
        this.pool = pool;
        this.jdbi = Mapping.configure(Jdbi.create(pool));
        this.conversations = new SqlConversations(jdbi);
        this.users = new SqlUsers(jdbi);
        this.settings = new SqlSettings(jdbi, Clock.systemUTC());
    }

    /**
     * Parses the URL, connects and brings the schema up to date.
     *
     * @throws IllegalArgumentException when the URL is not understood or names a database not supported yet
     */
    public static SqlStore open(String databaseUrl) {
        return open(DatabaseUrl.parse(databaseUrl));
    }

    /** Connects and brings the schema up to date. @throws IllegalArgumentException for a database not supported yet */
    public static SqlStore open(DatabaseUrl url) {
        if (url.kind() != DatabaseUrl.Kind.SQLITE) {
            throw new IllegalArgumentException("The database URL is for " + url.kind()
                    + ", but PostgreSQL/MySQL support is not built yet; use a sqlite:/// URL");
        }
        HikariDataSource pool = SqlitePool.open(url);
        try {
            migrate(pool, url.kind());
            return new SqlStore(pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
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
    public Page<Message> history(ConversationId id, PageRequest page) {
        return conversations.history(id, page);
    }

    @Override
    public List<Message> recent(ConversationId id, long beforeId, int limit) {
        return conversations.recent(id, beforeId, limit);
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
    public Optional<ModelSettings> find(UserId user) {
        return settings.find(user);
    }

    @Override
    public void save(UserId user, ModelSettings modelSettings) {
        settings.save(user, modelSettings);
    }

    private static void migrate(DataSource dataSource, DatabaseUrl.Kind kind) {
        refuseLegacySchema(dataSource);
        MigrateResult result = Flyway.configure(SqlStore.class.getClassLoader())
                .dataSource(dataSource)
                .table(HISTORY_TABLE)
                .locations("classpath:dev/llmchat/store/migration/" + kind.name().toLowerCase(Locale.ROOT))
                .failOnMissingLocations(true)
                // A database that already holds the host application's tables is fine: start our history at 0.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
        if (result.migrationsExecuted > 0) {
            LOG.log(Level.INFO, "applied {0} schema migration(s); schema is at version {1}", result.migrationsExecuted, result.targetSchemaVersion);
        }
    }

    /** Until upgrading the Python backend's databases in place is built, leave them untouched rather than half-migrated. */
    private static void refuseLegacySchema(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData meta = connection.getMetaData();
            if (hasTable(meta, "conversations") && !hasTable(meta, HISTORY_TABLE)) {
                throw new IllegalStateException("The database already holds a 'conversations' table but no " + HISTORY_TABLE
                        + " table: it was probably created by the original Python backend, and upgrading such a database"
                        + " is not supported yet; point DATABASE_URL at a new file");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read the database's list of tables: " + e.getMessage(), e);
        }
    }

    private static boolean hasTable(DatabaseMetaData meta, String name) throws SQLException {
        try (ResultSet tables = meta.getTables(null, null, name, new String[] {"TABLE"})) {
            return tables.next();
        }
    }
}
