package dev.llmchat.llm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TargetTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "http://h:8000/v1,                                   http://h:8000/v1/chat/completions",
            "http://h:8000/v1/,                                  http://h:8000/v1/chat/completions",
            "http://h:8000/v1/chat/completions,                  http://h:8000/v1/chat/completions",
            "http://h:8000/v1/chat/completions/,                 http://h:8000/v1/chat/completions",
            "http://h:8000,                                      http://h:8000/chat/completions",
            "https://api.example.com/openai/v1,                  https://api.example.com/openai/v1/chat/completions",
            "https://api.example.com/v1?api-version=2024-06-01,  https://api.example.com/v1/chat/completions?api-version=2024-06-01",
            "'  http://h:8000/v1  ',                             http://h:8000/v1/chat/completions",
            "HTTP://H:8000/v1,                                   http://h:8000/v1/chat/completions",
    })
    void normalises_base_and_full_urls_to_chat_completions(String given, String expected) {
        assertThat(Target.chatCompletionsUrl(given)).hasToString(expected);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "localhost:8000/v1", "ftp://h/v1", "not a url"})
    void rejects_what_is_not_an_http_url(String given) {
        ModelException error = catchThrowableOfType(ModelException.class, () -> Target.chatCompletionsUrl(given));

        assertThat(error.failure()).isEqualTo(ModelFailure.REJECTED);
        assertThat(error.getMessage()).contains("model settings");
    }
}
