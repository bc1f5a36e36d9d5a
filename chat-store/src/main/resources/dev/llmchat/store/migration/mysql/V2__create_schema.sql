-- LLM Chat schema, MySQL/MariaDB dialect; the same schema as sqlite/ and postgresql/. Timestamps are epoch
-- milliseconds (UTC). V1 (Java) set aside the Python backend's tables, if any; V3 (Java) imports them.
-- utf8mb4 holds every character (emoji too); utf8mb4_bin compares exactly: where case must not matter,
-- the SQL says so (username_key, lower(…) LIKE lower(…)). TEXT columns have no DEFAULT (MySQL refuses one).
-- Foreign keys are named, since InnoDB's constraint names are database-wide.

CREATE TABLE users (
    id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username      VARCHAR(255)  NOT NULL,
    -- username.toLowerCase(Locale.ROOT), computed by the store: case-insensitive and Unicode-aware on every database.
    username_key  VARCHAR(255)  NOT NULL,
    email         VARCHAR(320)  NOT NULL DEFAULT '',
    password_hash VARCHAR(1024) NOT NULL,
    is_active     BOOLEAN       NOT NULL DEFAULT TRUE,
    is_admin      BOOLEAN       NOT NULL DEFAULT FALSE,
    created_at    BIGINT        NOT NULL,
    UNIQUE INDEX users_by_username_key (username_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE conversations (
    id              BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    session_id      VARCHAR(64) NOT NULL,
    user_id         BIGINT      NOT NULL,
    title           TEXT        NOT NULL,
    system_prompt   LONGTEXT    NOT NULL,
    created_at      BIGINT      NOT NULL,
    updated_at      BIGINT      NOT NULL,
    message_count   INTEGER     NOT NULL DEFAULT 0,
    -- The running turn, if any (see ConversationStore.beginTurn); a turn past turn_expires_at is free to take over.
    turn_id         VARCHAR(64),
    turn_expires_at BIGINT,
    UNIQUE INDEX conversations_by_session_id (session_id),
    -- Serves listing (keyset pages), retention and search, all "most recent activity first".
    INDEX conversations_by_activity (user_id, updated_at DESC, id DESC),
    CONSTRAINT fk_conversations_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE messages (
    id                BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    conversation_id   BIGINT      NOT NULL,
    role              VARCHAR(16) NOT NULL,
    content           LONGTEXT    NOT NULL,
    status            VARCHAR(16) NOT NULL,
    created_at        BIGINT      NOT NULL,
    prompt_tokens     INTEGER     NOT NULL DEFAULT 0,
    completion_tokens INTEGER     NOT NULL DEFAULT 0,
    INDEX messages_by_conversation (conversation_id, id),
    CONSTRAINT fk_messages_conversation FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE user_configs (
    user_id            BIGINT       NOT NULL PRIMARY KEY,
    current_model_type VARCHAR(255) NOT NULL,
    max_tokens         INTEGER      NOT NULL,
    custom_api_url     TEXT,
    custom_model       TEXT,
    custom_api_key     TEXT,
    updated_at         BIGINT       NOT NULL,
    CONSTRAINT fk_user_configs_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
