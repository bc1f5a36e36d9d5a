-- LLM Chat schema, SQLite dialect; postgresql/ and mysql/ hold the same schema in their dialects.
-- Timestamps are epoch milliseconds (UTC). V1 (Java) set aside the Python backend's tables, if any;
-- V3 (Java) imports them. Index names never start with ix_ (SQLAlchemy's), since SQLite's are global.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    -- username.toLowerCase(Locale.ROOT), computed by the store: case-insensitive and Unicode-aware on every database.
    username_key  TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NOT NULL,
    is_active     INTEGER NOT NULL DEFAULT 1,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE UNIQUE INDEX users_by_username_key ON users (username_key);

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id      TEXT    NOT NULL,
    user_id         INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    system_prompt   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    message_count   INTEGER NOT NULL DEFAULT 0,
    -- The running turn, if any (see ConversationStore.beginTurn); a turn past turn_expires_at is free to take over.
    turn_id         TEXT,
    turn_expires_at INTEGER,
    CONSTRAINT fk_conversations_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX conversations_by_session_id ON conversations (session_id);
-- Serves listing (keyset pages), retention and search, all "most recent activity first".
CREATE INDEX conversations_by_activity ON conversations (user_id, updated_at DESC, id DESC);

CREATE TABLE messages (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id   INTEGER NOT NULL,
    role              TEXT    NOT NULL,
    content           TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT fk_messages_conversation FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);

CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

CREATE TABLE user_configs (
    user_id            INTEGER PRIMARY KEY,
    current_model_type TEXT    NOT NULL,
    max_tokens         INTEGER NOT NULL,
    custom_api_url     TEXT,
    custom_model       TEXT,
    custom_api_key     TEXT,
    updated_at         INTEGER NOT NULL,
    CONSTRAINT fk_user_configs_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
