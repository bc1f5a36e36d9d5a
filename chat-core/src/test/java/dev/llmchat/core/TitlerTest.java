package dev.llmchat.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class TitlerTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Baking bread at home|Baking bread at home",
            "\"Baking bread\"|Baking bread",
            "Title: Baking bread.|Baking bread",
            "标题：如何烤面包。|如何烤面包",
            "《量子计算入门》|量子计算入门",
            "<think>hmm</think>\\nBread basics|Bread basics",
            "First line\\nsecond line|First line",
            "A title that is much longer than twenty characters|A title that is much",
            "'  '|''",
    })
    void model_answers_are_cleaned_into_short_titles(String raw, String expected) {
        assertThat(Titler.clean(raw.replace("\\n", "\n"))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀, 20"})
    void titles_are_cut_by_characters_not_utf16_units(String raw, int codePoints) {
        String t = Titler.clean(raw);

        assertThat(t.codePointCount(0, t.length())).isEqualTo(codePoints);
    }
}
