package dev.llmchat.core;

import java.util.Objects;

/** What an idempotency key produced: the conversation and the stored question. */
public record KeyedQuestion(ConversationId conversation, Message question) {
    public KeyedQuestion {
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(question, "question");
    }
}
