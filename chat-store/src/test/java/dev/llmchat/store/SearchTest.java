package dev.llmchat.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class SearchTest {

    @Test
    void like_wildcards_and_the_escape_character_are_escaped() {
        assertThat(Search.containing("50%_off!")).isEqualTo("%50!%!_off!!%");
        assertThat(Search.containing("plain 中文")).isEqualTo("%plain 中文%");
    }

    @Test
    void short_text_is_the_whole_snippet_with_whitespace_folded() {
        assertThat(Search.snippet("  line one\n\nline   two ", "two")).isEqualTo("line one line two");
    }

    @Test
    void a_long_text_is_cut_around_the_first_match_with_ellipses() {
        String text = "x".repeat(500) + "Match" + "y".repeat(500) + "match";

        String snippet = Search.snippet(text, "MATCH");

        assertThat(snippet).startsWith("…x").contains("Match").endsWith("y…");
        assertThat(snippet.length()).isEqualTo(Search.SNIPPET_CHARS + 2);
    }

    @Test
    void a_match_near_either_end_keeps_that_end_uncut() {
        String text = "needle " + "z".repeat(300);

        assertThat(Search.snippet(text, "needle")).startsWith("needle ").endsWith("…");
        assertThat(Search.snippet("a".repeat(300) + " needle", "needle")).startsWith("…").endsWith(" needle");
    }

    @Test
    void a_cut_never_splits_an_emoji() {
        String text = "😀".repeat(200) + "needle" + "😀".repeat(200);

        String snippet = Search.snippet(text, "needle");

        assertThat(snippet.codePoints().filter(cp -> Character.getType(cp) == Character.SURROGATE)).isEmpty();
        assertThat(snippet).contains("needle");
    }
}
