package dev.llmchat.core;

import java.util.List;
import java.util.Optional;

/** A page of items and, when more follow, the cursor of the next page. */
public record Page<T>(List<T> items, Optional<String> nextCursor) {
    public Page {
        items = List.copyOf(items);
        nextCursor = nextCursor == null ? Optional.empty() : nextCursor;
    }
}
