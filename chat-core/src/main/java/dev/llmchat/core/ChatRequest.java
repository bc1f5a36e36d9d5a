package dev.llmchat.core;

import java.util.List;
import java.util.Objects;

/** A chat-completion request to one endpoint: the prompt, sampling temperature (0..2) and reply length. */
public record ChatRequest(ModelEndpoint endpoint, List<ChatMessage> messages, double temperature, int maxTokens) {
    public ChatRequest {
        Objects.requireNonNull(endpoint, "endpoint");
        messages = List.copyOf(messages);
        if (messages.isEmpty()) throw new IllegalArgumentException("a chat request needs at least one message");
        if (!(temperature >= 0 && temperature <= 2)) throw new IllegalArgumentException("temperature must be within 0..2");
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be positive");
    }
}
