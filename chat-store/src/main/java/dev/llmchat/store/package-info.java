/**
 * The SQL stores of LLM Chat: {@link dev.llmchat.store.SqlStore#open(String)} turns a {@code DATABASE_URL}
 * (parsed by {@link dev.llmchat.store.DatabaseUrl}) into one object implementing the core's
 * {@code ConversationStore}, {@code UserStore} and {@code SettingsStore}. Everything else in this package is
 * an implementation detail.
 */
package dev.llmchat.store;
