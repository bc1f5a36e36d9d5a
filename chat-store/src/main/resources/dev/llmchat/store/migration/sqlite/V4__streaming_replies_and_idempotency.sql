-- Replies being streamed are rows with status 'streaming'; the sweep that marks orphans 'interrupted' finds them by status.
CREATE INDEX messages_status ON messages (status);

-- A client's Idempotency-Key for POST /chat: which question (user message) it produced, per user.
CREATE TABLE idempotency_keys (
    user_id         INTEGER NOT NULL,
    idem_key        TEXT    NOT NULL,
    conversation_id INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, idem_key),
    CONSTRAINT fk_idempotency_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_idempotency_conversation FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);
