package dev.llmchat.store;

import dev.llmchat.core.ConversationId;
import dev.llmchat.core.CustomModel;
import dev.llmchat.core.ModelSettings;
import dev.llmchat.core.Role;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Migration V3: copies the original Python backend's data, which {@link LegacySetAside} renamed to
 * {@code legacy_conversations}, {@code legacy_messages} and {@code legacy_user_configs}, into the store's tables.
 * Conversations and messages keep their ids and session ids; DATETIMEs (naive UTC) become epoch milliseconds;
 * a conversation's owner is the account named by its {@code user_identifier}/{@code user_id} column, if it has
 * one, else {@link StoreOptions#legacyOwner()}; each {@code user_configs} row becomes the settings of the account
 * named by its {@code user_identifier}. Accounts are created as needed with locked passwords; the legacy owner,
 * the operator's account for the old data, is an administrator with {@link StoreOptions#legacyOwnerPasswordHash()}.
 *
 * <p>Everything happens in the migration's transaction: a failure leaves no trace but Flyway's record of it.
 * The {@code legacy_*} tables stay as they were; drop them once the upgrade is verified.
 */
final class LegacyImport implements JavaMigration {
    private static final System.Logger LOG = System.getLogger(LegacyImport.class.getName());
    private static final List<String> OWNER_COLUMNS = List.of("user_identifier", "user_id");

    private final DatabaseUrl.Kind kind;
    private final StoreOptions options;
    private final Clock clock;

    LegacyImport(DatabaseUrl.Kind kind, StoreOptions options, Clock clock) {
        this.kind = kind;
        this.options = options;
        this.clock = clock;
    }

    @Override
    public MigrationVersion getVersion() {
        return MigrationVersion.fromVersion("3");
    }

    @Override
    public String getDescription() {
        return "import the Python backend's data";
    }

    @Override
    public Integer getChecksum() {
        return null;
    }

    @Override
    public boolean canExecuteInTransaction() {
        return true;
    }

    @Override
    public void migrate(Context context) throws SQLException {
        Connection c = context.getConnection();
        Set<String> tables = Schema.tables(c);
        if (!tables.contains("legacy_conversations")) return; // nothing was set aside: a new database
        if (Schema.count(c, "users") > 0) {
            // Only this migration writes before the store opens: it committed, but Flyway did not get to record it.
            LOG.log(Level.WARNING, "the Python backend's data was imported already; not importing it again");
            return;
        }
        new Run(c, tables).run();
    }

    /** One import: the accounts made so far and what to report. */
    private final class Run {
        private final Connection c;
        private final Set<String> tables;
        private final Instant now = Mapping.truncate(clock.instant());
        private final Map<String, Long> accounts = new HashMap<>();
        private final List<String> created = new ArrayList<>();
        private long ownerless;
        private long untitled;
        private long renamed;

        Run(Connection c, Set<String> tables) {
            this.c = c;
            this.tables = tables;
        }

        void run() throws SQLException {
            long legacyOwner = account(options.legacyOwner(), options.legacyOwnerPasswordHash(), true);
            Optional<String> ownerColumn = OWNER_COLUMNS.stream().filter(columns("legacy_conversations")::contains).findFirst();
            boolean hasSettings = tables.contains("legacy_user_configs");
            // Accounts first, so that the copies below only read the legacy tables while they write.
            if (hasSettings) {
                createAccounts("SELECT " + column(columns("legacy_user_configs"), "user_identifier") + " FROM legacy_user_configs ORDER BY id");
            }
            if (ownerColumn.isPresent()) {
                createAccounts("SELECT DISTINCT " + ownerColumn.get() + " FROM legacy_conversations ORDER BY 1");
            }
            long conversations = copyConversations(legacyOwner, ownerColumn);
            long messages = tables.contains("legacy_messages") ? copyMessages() : 0;
            long skippedMessages = tables.contains("legacy_messages") ? Schema.count(c, "legacy_messages") - messages : 0;
            long settings = hasSettings ? copySettings(legacyOwner) : 0;
            long skippedSettings = hasSettings ? Schema.count(c, "legacy_user_configs") - settings : 0;
            Schema.moveIdentitiesPastExistingIds(c, kind);
            LOG.log(Level.INFO, "Upgraded a database of the original Python backend: imported {0} conversation(s) ({1} without"
                            + " an owner went to account ''{2}'', {3} untitled got the title ''{4}'', {5} with an unusable session id"
                            + " got ''legacy-<id>''), {6} message(s) ({7} skipped: unknown role or missing conversation) and the"
                            + " settings of {8} account(s) ({9} skipped: incomplete or a second row for the same account);"
                            + " created {10} account(s) {11}. The original tables remain as legacy_conversations, legacy_messages"
                            + " and legacy_user_configs; drop them once the upgrade is verified.",
                    conversations, ownerless, options.legacyOwner(), untitled, options.defaultTitle(), renamed,
                    messages, skippedMessages, settings, skippedSettings, created.size(),
                    created.size() <= 10 ? created : created.subList(0, 10) + "…");
        }

        private void createAccounts(String sql) throws SQLException {
            List<String> names = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) names.add(rs.getString(1));
            }
            for (String name : names) {
                if (!blank(name)) account(name, StoreOptions.LOCKED_PASSWORD_HASH, false);
            }
        }

        private long copyConversations(long legacyOwner, Optional<String> ownerColumn) throws SQLException {
            Set<String> present = columns("legacy_conversations");
            String sql = "SELECT id, session_id, " + column(present, "title") + ", " + column(present, "created_at") + ", "
                    + column(present, "updated_at") + ", " + ownerColumn.orElse("NULL") + " AS owner FROM legacy_conversations ORDER BY id";
            try (Statement st = streaming(); ResultSet rs = st.executeQuery(sql); Batch insert = new Batch(c, """
                    INSERT INTO conversations (id, session_id, user_id, title, system_prompt, created_at, updated_at, message_count)
                    VALUES (?, ?, ?, ?, '', ?, ?, 0)""")) {
                while (rs.next()) {
                    long id = rs.getLong("id");
                    String where = "legacy_conversations id " + id;
                    Optional<ConversationId> sessionId = ConversationId.parse(rs.getString("session_id"));
                    if (sessionId.isEmpty()) renamed++;
                    String title = rs.getString("title");
                    if (title == null) untitled++;
                    String owner = rs.getString("owner");
                    if (blank(owner)) ownerless++;
                    Instant createdAt = time(rs, "created_at", where);
                    Instant updatedAt = time(rs, "updated_at", where);
                    if (createdAt == null) createdAt = updatedAt == null ? now : updatedAt;

                    var row = insert.row();
                    row.setLong(1, id);
                    row.setString(2, sessionId.map(ConversationId::value).orElse("legacy-" + id));
                    row.setLong(3, blank(owner) ? legacyOwner : accounts.get(key(owner)));
                    row.setString(4, title == null ? options.defaultTitle() : title);
                    row.setLong(5, createdAt.toEpochMilli());
                    row.setLong(6, (updatedAt == null ? createdAt : updatedAt).toEpochMilli());
                    insert.add();
                }
                return insert.finish();
            }
        }

        private long copyMessages() throws SQLException {
            Set<String> present = columns("legacy_messages");
            String sql = "SELECT m.id, m.conversation_id, m.role, m.content, "
                    + (present.contains("created_at") ? "COALESCE(m.created_at, c.created_at, c.updated_at)" : "COALESCE(c.created_at, c.updated_at)")
                    + " AS created_at FROM legacy_messages m JOIN legacy_conversations c ON c.id = m.conversation_id ORDER BY m.id";
            try (Statement st = streaming(); ResultSet rs = st.executeQuery(sql); Batch insert = new Batch(c, """
                    INSERT INTO messages (id, conversation_id, role, content, status, created_at, prompt_tokens, completion_tokens)
                    VALUES (?, ?, ?, ?, 'complete', ?, 0, 0)""")) {
                while (rs.next()) {
                    long id = rs.getLong("id");
                    Optional<Role> role = role(rs.getString("role"));
                    if (role.isEmpty()) continue;
                    Instant createdAt = time(rs, "created_at", "legacy_messages id " + id);
                    String content = rs.getString("content");

                    var row = insert.row();
                    row.setLong(1, id);
                    row.setLong(2, rs.getLong("conversation_id"));
                    row.setString(3, role.get().wireName());
                    row.setString(4, content == null ? "" : content);
                    row.setLong(5, (createdAt == null ? now : createdAt).toEpochMilli());
                    insert.add();
                }
                long copied = insert.finish();
                try (Statement count = c.createStatement()) {
                    count.executeUpdate("UPDATE conversations SET message_count ="
                            + " (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = conversations.id)");
                }
                return copied;
            }
        }

        private long copySettings(long legacyOwner) throws SQLException {
            Set<String> present = columns("legacy_user_configs");
            String sql = "SELECT " + String.join(", ", column(present, "user_identifier"), column(present, "current_model_type"),
                    column(present, "max_tokens"), column(present, "custom_api_url"), column(present, "custom_model"),
                    column(present, "custom_api_key")) + " FROM legacy_user_configs ORDER BY id";
            Set<Long> configured = new HashSet<>();
            try (Statement st = streaming(); ResultSet rs = st.executeQuery(sql); Batch insert = new Batch(c, """
                    INSERT INTO user_configs (user_id, current_model_type, max_tokens, custom_api_url, custom_model, custom_api_key, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
                while (rs.next()) {
                    String identifier = rs.getString("user_identifier");
                    long user = blank(identifier) ? legacyOwner : accounts.get(key(identifier));
                    int maxTokens = rs.getInt("max_tokens");
                    Optional<ModelSettings> settings = rs.wasNull() ? Optional.empty()
                            : settings(rs.getString("current_model_type"), maxTokens,
                                    rs.getString("custom_api_url"), rs.getString("custom_model"), rs.getString("custom_api_key"));
                    if (settings.isEmpty() || !configured.add(user)) continue;

                    Optional<CustomModel> custom = settings.get().custom();
                    var row = insert.row();
                    row.setLong(1, user);
                    row.setString(2, settings.get().modelType());
                    row.setInt(3, settings.get().maxTokens());
                    row.setString(4, custom.map(CustomModel::url).orElse(null));
                    row.setString(5, custom.map(CustomModel::model).orElse(null));
                    row.setString(6, custom.map(CustomModel::apiKey).orElse(null));
                    row.setLong(7, now.toEpochMilli());
                    insert.add();
                }
                return insert.finish();
            }
        }

        /** The account's id, creating it if this import has not met the name (in any case) before. */
        private long account(String username, String passwordHash, boolean admin) throws SQLException {
            Long known = accounts.get(key(username));
            if (known != null) return known;
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO users (username, username_key, email, password_hash, is_active, is_admin, created_at)
                    VALUES (?, ?, '', ?, ?, ?, ?)""")) {
                ps.setString(1, username);
                ps.setString(2, key(username));
                ps.setString(3, passwordHash);
                ps.setBoolean(4, true);
                ps.setBoolean(5, admin);
                ps.setLong(6, now.toEpochMilli());
                ps.executeUpdate();
            }
            // by its unique key, not generated keys: the store's SQLite connections have those off (SqlitePool)
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM users WHERE username_key = ?")) {
                ps.setString(1, key(username));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long id = rs.getLong(1);
                    accounts.put(key(username), id);
                    created.add(username);
                    return id;
                }
            }
        }

        private Set<String> columns(String table) throws SQLException {
            return Schema.columns(c, table);
        }

        /** Reads row by row rather than all at once, where the driver can. */
        private Statement streaming() throws SQLException {
            Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            st.setFetchSize(Batch.SIZE);
            return st;
        }

        /** A naive-UTC DATETIME: text on SQLite ({@code 2025-10-02 10:00:00[.123456]}), a timestamp type elsewhere. */
        private Instant time(ResultSet rs, String column, String where) throws SQLException {
            Instant at;
            if (kind == DatabaseUrl.Kind.SQLITE) {
                String text = rs.getString(column);
                at = text == null ? null : parse(text, where);
            } else if (rs.getMetaData().getColumnTypeName(rs.findColumn(column)).toLowerCase(Locale.ROOT).contains("tz")) {
                OffsetDateTime value = rs.getObject(column, OffsetDateTime.class); // PostgreSQL timestamptz
                at = value == null ? null : value.toInstant();
            } else {
                LocalDateTime value = rs.getObject(column, LocalDateTime.class);
                at = value == null ? null : value.toInstant(ZoneOffset.UTC);
            }
            return at == null ? null : Mapping.truncate(at);
        }
    }

    static Instant parse(String text, String where) {
        String iso = text.strip().replace(' ', 'T');
        try {
            return LocalDateTime.parse(iso).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException naive) {
            try {
                return OffsetDateTime.parse(iso).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalStateException(where + ": cannot read the timestamp '" + text + "'", e);
            }
        }
    }

    /** Settings the core accepts, with max_tokens brought into range; empty when the row cannot make any. */
    private static Optional<ModelSettings> settings(String type, int maxTokens, String url, String model, String apiKey) {
        if (type == null) return Optional.empty();
        Optional<CustomModel> custom = blank(url) || blank(model) ? Optional.empty() : Optional.of(new CustomModel(url, model, apiKey));
        int tokens = Math.clamp(maxTokens, ModelSettings.MIN_MAX_TOKENS, ModelSettings.MAX_MAX_TOKENS);
        try {
            return Optional.of(new ModelSettings(type, tokens, custom));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // "custom" without a complete endpoint
        }
    }

    private static Optional<Role> role(String wire) {
        try {
            return wire == null ? Optional.empty() : Optional.of(Role.fromWire(wire.strip()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String column(Set<String> present, String name) {
        return present.contains(name) ? name : "NULL AS " + name;
    }

    private static String key(String username) {
        return SqlUsers.key(username);
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }
}
