/**
 * The SQL stores of LLM Chat on SQLite, PostgreSQL and MySQL/MariaDB: {@link dev.llmchat.store.SqlStore#open(String)}
 * turns a {@code DATABASE_URL} (parsed by {@link dev.llmchat.store.DatabaseUrl}) into one object implementing the
 * core's {@code ConversationStore}, {@code UserStore} and {@code SettingsStore}, upgrading a database of the
 * original Python backend as {@link dev.llmchat.store.StoreOptions} say; {@link dev.llmchat.store.SqlStore#copy}
 * moves everything to another database. Everything else in this package is an implementation detail.
 */
package dev.llmchat.store;
