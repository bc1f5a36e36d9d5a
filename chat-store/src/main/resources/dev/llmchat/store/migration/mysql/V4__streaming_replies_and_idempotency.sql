-- Replies being streamed are rows with status 'streaming'; the sweep that marks orphans 'interrupted' finds them by status.
CREATE INDEX messages_status ON messages (status);

-- A client's Idempotency-Key for POST /chat: which question (user message) it produced, per user.
CREATE TABLE idempotency_keys (
    user_id         BIGINT       NOT NULL,
    idem_key        VARCHAR(200) NOT NULL,
    conversation_id BIGINT       NOT NULL,
    message_id      BIGINT       NOT NULL,
    created_at      BIGINT       NOT NULL,
    PRIMARY KEY (user_id, idem_key),
    CONSTRAINT fk_idempotency_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_idempotency_conversation FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
