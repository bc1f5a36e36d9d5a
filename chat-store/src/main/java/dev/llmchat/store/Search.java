package dev.llmchat.store;

/** The text side of search: a LIKE pattern that matches the query literally, and the snippet shown with a hit. */
final class Search {
    /** The escape character of {@link #containing}; not a backslash, which MySQL treats specially in literals. */
    static final char ESCAPE = '!';
    static final int SNIPPET_CHARS = 100;

    private Search() {
    }

    /** A LIKE pattern for "contains {@code text}", with {@code %}, {@code _} and the escape character escaped. */
    static String containing(String text) {
        StringBuilder pattern = new StringBuilder(text.length() + 8).append('%');
        for (char c : text.toCharArray()) {
            if (c == '%' || c == '_' || c == ESCAPE) pattern.append(ESCAPE);
            pattern.append(c);
        }
        return pattern.append('%').toString();
    }

    /**
     * About {@value #SNIPPET_CHARS} characters of {@code text} around the first case-insensitive occurrence of
     * {@code query}, with "…" where text was cut and whitespace runs (newlines) folded into single spaces.
     */
    static String snippet(String text, String query) {
        int start = 0;
        int end = text.length();
        if (end > SNIPPET_CHARS) {
            int at = Math.max(0, indexOfIgnoreCase(text, query));
            start = Math.max(0, Math.min(at - Math.max(0, (SNIPPET_CHARS - query.length()) / 2), text.length() - SNIPPET_CHARS));
            end = start + SNIPPET_CHARS;
            // Never split a surrogate pair (emoji): widen to include the whole character.
            if (start > 0 && Character.isLowSurrogate(text.charAt(start))) start--;
            if (end < text.length() && Character.isLowSurrogate(text.charAt(end))) end++;
        }
        String piece = text.substring(start, end).replaceAll("\\s+", " ").strip();
        return (start > 0 ? "…" : "") + piece + (end < text.length() ? "…" : "");
    }

    private static int indexOfIgnoreCase(String text, String query) {
        for (int i = 0, last = text.length() - query.length(); i <= last; i++) {
            if (text.regionMatches(true, i, query, 0, query.length())) return i;
        }
        return -1;
    }
}
