package dev.llmchat.core;

import java.util.Optional;

/**
 * One page of a list: at most {@code limit} items after the opaque {@code cursor} a previous page
 * returned. {@link #all()} asks for everything (the seed's unpaginated responses).
 */
public record PageRequest(int limit, Optional<String> cursor) {
    public static final int MAX_LIMIT = 1000;

    public PageRequest {
        if (limit < 1) throw new IllegalArgumentException("limit must be positive");
        cursor = cursor == null ? Optional.empty() : cursor;
    }

    public static PageRequest all() {
        return new PageRequest(Integer.MAX_VALUE, Optional.empty());
    }

    public static PageRequest first(int limit) {
        return new PageRequest(limit, Optional.empty());
    }

    public boolean unbounded() {
        return limit == Integer.MAX_VALUE;
    }
}
