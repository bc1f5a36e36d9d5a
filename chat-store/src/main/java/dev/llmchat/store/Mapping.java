package dev.llmchat.store;

import dev.llmchat.core.Conversation;
import dev.llmchat.core.ConversationId;
import dev.llmchat.core.CustomModel;
import dev.llmchat.core.Message;
import dev.llmchat.core.MessageStatus;
import dev.llmchat.core.ModelSettings;
import dev.llmchat.core.Role;
import dev.llmchat.core.User;
import dev.llmchat.core.UserId;
import java.lang.reflect.Type;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.argument.ArgumentFactory;
import org.jdbi.v3.core.argument.ObjectArgument;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.jdbi.v3.core.mapper.RowMapper;

/** How the core's values travel to and from columns: typed ids, epoch-millisecond instants, wire names for enums. */
final class Mapping {
    static final String CONVERSATION_COLUMNS =
            "c.id, c.session_id, c.user_id, c.title, c.system_prompt, c.created_at, c.updated_at, c.message_count";
    static final String MESSAGE_COLUMNS = "m.id, m.role, m.content, m.status, m.created_at";

    static final RowMapper<Conversation> CONVERSATION = (rs, ctx) -> new Conversation(
            new ConversationId(rs.getString("session_id")), new UserId(rs.getLong("user_id")),
            rs.getString("title"), rs.getString("system_prompt"),
            instant(rs, "created_at"), instant(rs, "updated_at"), rs.getLong("message_count"));

    static final RowMapper<Message> MESSAGE = (rs, ctx) -> new Message(rs.getLong("id"),
            Role.fromWire(rs.getString("role")), rs.getString("content"),
            MessageStatus.fromWire(rs.getString("status")), instant(rs, "created_at"));

    static final RowMapper<User> USER = (rs, ctx) -> new User(new UserId(rs.getLong("id")),
            rs.getString("username"), rs.getString("email"), rs.getString("password_hash"),
            rs.getBoolean("is_active"), rs.getBoolean("is_admin"), instant(rs, "created_at"));

    static final RowMapper<ModelSettings> MODEL_SETTINGS = (rs, ctx) -> {
        String url = rs.getString("custom_api_url");
        String model = rs.getString("custom_model");
        Optional<CustomModel> custom = url == null || url.isBlank() || model == null || model.isBlank()
                ? Optional.empty()
                : Optional.of(new CustomModel(url, model, rs.getString("custom_api_key")));
        return new ModelSettings(rs.getString("current_model_type"), rs.getInt("max_tokens"), custom);
    };

    private Mapping() {
    }

    static Jdbi configure(Jdbi jdbi) {
        return jdbi
                .registerRowMapper(Conversation.class, CONVERSATION)
                .registerRowMapper(Message.class, MESSAGE)
                .registerRowMapper(User.class, USER)
                .registerRowMapper(ModelSettings.class, MODEL_SETTINGS)
                .registerArgument(new As<>(UserId.class, Types.BIGINT, UserId::value))
                .registerArgument(new As<>(ConversationId.class, Types.VARCHAR, ConversationId::value))
                .registerArgument(new As<>(Instant.class, Types.BIGINT, Mapping::millis))
                .registerArgument(new As<>(Role.class, Types.VARCHAR, Role::wireName))
                .registerArgument(new As<>(MessageStatus.class, Types.VARCHAR, MessageStatus::wireName));
    }

    /** Drops anything finer than a millisecond, as the columns do. */
    static Instant truncate(Instant at) {
        return Instant.ofEpochMilli(at.toEpochMilli());
    }

    private static long millis(Instant at) {
        return at.toEpochMilli();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }

    /** Binds a {@code T} as the JDBC value {@code toJdbc} makes of it. */
    private record As<T>(Class<T> type, int sqlType, Function<T, Object> toJdbc) implements ArgumentFactory.Preparable {
        @Override
        public Optional<Function<Object, Argument>> prepare(Type target, ConfigRegistry config) {
            if (target != type) return Optional.empty();
            return Optional.of(value -> ObjectArgument.of(value == null ? null : toJdbc.apply(type.cast(value)), sqlType));
        }
    }
}
