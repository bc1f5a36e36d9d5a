package dev.llmchat.core;

import java.util.Objects;

/** A conversation that matched a search, with a short piece of the matching text. */
public record SearchHit(Conversation conversation, String snippet) {
    public SearchHit {
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(snippet, "snippet");
    }
}
