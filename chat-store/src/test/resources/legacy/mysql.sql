-- The original Python backend's schema as SQLAlchemy's create_all made it on MySQL/MariaDB (pymysql), with data
-- it wrote: DATETIME without fractional seconds, naive UTC (MariaDB truncated the microseconds away).

CREATE TABLE conversations (
	id INTEGER NOT NULL AUTO_INCREMENT, 
	session_id VARCHAR(255), 
	title VARCHAR(255), 
	created_at DATETIME, 
	updated_at DATETIME, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_conversations_id ON conversations (id);
CREATE UNIQUE INDEX ix_conversations_session_id ON conversations (session_id);

CREATE TABLE user_configs (
	id INTEGER NOT NULL AUTO_INCREMENT, 
	user_identifier VARCHAR(255), 
	current_model_type VARCHAR(255), 
	max_tokens INTEGER, 
	custom_api_url VARCHAR(255), 
	custom_model VARCHAR(255), 
	custom_api_key VARCHAR(255), 
	PRIMARY KEY (id)
);
CREATE INDEX ix_user_configs_id ON user_configs (id);
CREATE UNIQUE INDEX ix_user_configs_user_identifier ON user_configs (user_identifier);

CREATE TABLE messages (
	id INTEGER NOT NULL AUTO_INCREMENT, 
	conversation_id INTEGER, 
	role VARCHAR(255), 
	content TEXT, 
	created_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(conversation_id) REFERENCES conversations (id)
);
CREATE INDEX ix_messages_id ON messages (id);

-- Message 6 was deleted; conversation 2 was never titled nor updated; conversation 4 has no messages; conversation 5
-- comes from an old client whose session ids were not UUIDs.
INSERT INTO conversations (id, session_id, title, created_at, updated_at) VALUES (1, 'c0a8012e-5f3b-4d6a-9e1f-2b7c8d9e0a11', '周末去杭州玩 🏞️', '2025-10-02 10:00:00', '2025-10-02 10:05:30');
INSERT INTO conversations (id, session_id, title, created_at, updated_at) VALUES (2, '5b1e7c3a-2d4f-4e8b-a6c9-0f1e2d3c4b5a', NULL, '2025-10-03 08:00:00', NULL);
INSERT INTO conversations (id, session_id, title, created_at, updated_at) VALUES (3, '9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d', 'Kotlin vs. Java: 100% honest_take', '2025-10-04 21:15:00', '2025-10-04 21:20:00');
INSERT INTO conversations (id, session_id, title, created_at, updated_at) VALUES (4, '0e4f3d2c-1b0a-4c9d-8e7f-6a5b4c3d2e1f', '空对话', '2025-10-05 00:00:00', '2025-10-05 00:00:00');
INSERT INTO conversations (id, session_id, title, created_at, updated_at) VALUES (5, 'session_1759656600123.456', 'Old client', '2025-10-05 09:30:00', '2025-10-05 09:31:00');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (1, 1, 'user', '我们周末想去杭州，有什么推荐的路线吗？😊', '2025-10-02 10:00:05');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (2, 1, 'assistant', '推荐一条经典路线：
1. 上午：西湖断桥 → 白堤 🌸
2. 中午：楼外楼，西湖醋鱼 🐟
3. 下午：灵隐寺 🙏

祝你玩得开心！', '2025-10-02 10:00:20');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (3, 1, 'user', '谢谢！👍 "西湖醋鱼" 好吃吗？', '2025-10-02 10:05:00');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (4, 1, 'assistant', '见仁见智 — it''s sweet & sour（酸甜口）。', '2025-10-02 10:05:30');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (5, 2, 'user', 'Hello? Is anyone there 👀', '2025-10-03 08:00:01');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (7, 3, 'user', 'Which is better, really?', '2025-10-04 21:15:10');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (8, 3, 'assistant', 'It depends 🤷 — ''quotes'', "double quotes", 50% of the time_ish.
Second line.', '2025-10-04 21:16:00');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (9, 5, 'user', 'hi', '2025-10-05 09:30:30');
INSERT INTO messages (id, conversation_id, role, content, created_at) VALUES (10, 5, 'assistant', 'Hello! 你好！', '2025-10-05 09:31:00');
INSERT INTO user_configs (id, user_identifier, current_model_type, max_tokens, custom_api_url, custom_model, custom_api_key) VALUES (1, 'default_user', 'deepseek', 2000, NULL, NULL, NULL);
INSERT INTO user_configs (id, user_identifier, current_model_type, max_tokens, custom_api_url, custom_model, custom_api_key) VALUES (2, 'alice', 'custom', 4096, 'http://10.0.0.5:8000/v1', 'Qwen/Qwen2.5-7B-Instruct', 'sk-local-123');
