package dev.llmchat.llm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmchat.core.ChatMessage;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ModelEndpoint;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import dev.llmchat.core.Role;
import dev.llmchat.core.Usage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WireTest {
    @Test
    void writes_the_openai_request_body() {
        ChatRequest request = new ChatRequest(new ModelEndpoint("http://h/v1", "m-1", "sk-never-in-body", 4096, true),
                List.of(new ChatMessage(Role.SYSTEM, "sys"), new ChatMessage(Role.USER, "q \"1\" 你好"), new ChatMessage(Role.ASSISTANT, "a")), 0.2, 100);

        String json = new String(Wire.requestBody(request, true), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"model\":\"m-1\",\"messages\":[{\"role\":\"system\",\"content\":\"sys\"},"
                + "{\"role\":\"user\",\"content\":\"q \\\"1\\\" 你好\"},{\"role\":\"assistant\",\"content\":\"a\"}],"
                + "\"temperature\":0.2,\"max_tokens\":100,\"stream\":true}");
    }

    @Test
    void escapes_control_characters_and_writes_emoji_as_surrogate_escapes_in_the_request_body() {
        ChatRequest request = new ChatRequest(new ModelEndpoint("http://h/v1", "m", "", 4096, true),
                List.of(new ChatMessage(Role.USER, "line 1\nline 2\ttab \\ \u0001 😀👍🏽")), 1, 1);

        String json = new String(Wire.requestBody(request, false), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"line 1\\nline 2\\ttab \\\\ \\u0001 \\uD83D\\uDE00\\uD83D\\uDC4D\\uD83C\\uDFFD\"}],"
                + "\"temperature\":1.0,\"max_tokens\":1,\"stream\":false}");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"}}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"}}]}",
            "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}",
            "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}",
            "{\"choices\":null,\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}",
            "{\"choices\":[{\"index\":0,\"delta\":null}]}",
            "{\"choices\":[{\"index\":0}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"f\"}}]}}]}",
    })
    void finds_no_text_in_chunks_without_content(String chunk) {
        assertThat(Wire.parseChunk(chunk).text()).isEmpty();
    }

    @Test
    void reads_usage_and_finish_reason_of_a_chunk() {
        Wire.Delta delta = Wire.parseChunk("{\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}");

        assertThat(delta).isEqualTo(new Wire.Delta("x", "stop", new Usage(3, 4)));
    }

    @Test
    void reads_the_first_chunk_as_role_only() {
        Wire.Delta delta = Wire.parseChunk("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}");

        assertThat(delta).isEqualTo(new Wire.Delta("", null, Usage.UNKNOWN));
    }

    @Test
    void reads_the_usage_of_a_usage_only_chunk() {
        assertThat(Wire.parseChunk("{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}")).isEqualTo(new Wire.Delta("", null, new Usage(12, 3)));
        assertThat(Wire.parseChunk("{\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}")).isEqualTo(new Wire.Delta("", null, new Usage(12, 3)));
        assertThat(Wire.parseChunk("{\"choices\":null,\"usage\":{\"prompt_tokens\":12}}")).isEqualTo(new Wire.Delta("", null, new Usage(12, 0)));
    }

    @Test
    void reads_the_finish_reason_of_the_last_chunk() {
        assertThat(Wire.parseChunk("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":null}"))
                .isEqualTo(new Wire.Delta("", "length", Usage.UNKNOWN));
        assertThat(Wire.parseChunk("{\"choices\":[{\"finish_reason\":42,\"delta\":{\"content\":\"x\"}}]}"))
                .isEqualTo(new Wire.Delta("x", null, Usage.UNKNOWN));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"choices\":[{\"delta\":{\"content\":\"你好，世界\"}}]} | 你好，世界",
            "{\"choices\":[{\"delta\":{\"content\":\"😀👍🏽🚀\"}}]} | 😀👍🏽🚀",
            "{\"choices\":[{\"delta\":{\"content\":\"\\u4f60\\u597d\\ud83d\\ude00\"}}]} | 你好😀",
    })
    void reads_unicode_text_as_written_or_escaped(String chunk, String text) {
        assertThat(Wire.parseChunk(chunk).text()).isEqualTo(text);
    }

    @Test
    void unescapes_quotes_backslashes_and_line_breaks() {
        assertThat(Wire.parseChunk("{\"choices\":[{\"delta\":{\"content\":\"\\\"q\\\" \\\\ a\\nb\"}}]}").text()).isEqualTo("\"q\" \\ a\nb");
    }

    @Test
    void skips_what_it_does_not_read_however_it_is_nested() {
        Wire.Delta delta = Wire.parseChunk("{\"id\":\"c1\",\"system_fingerprint\":null,\"extra\":[[{\"a\":[1,2.5e3,true,null]}],{}],"
                + "\"choices\":[{\"index\":0,\"logprobs\":{\"content\":[{\"token\":\"x\",\"logprob\":-0.1,\"bytes\":[120],\"top_logprobs\":[]}]},"
                + "\"delta\":{\"reasoning_content\":\"think {not} [code]\",\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":1}\"}}],"
                + "\"content\":\"text\",\"audio\":{\"data\":\"\"}},\"finish_reason\":\"stop\",\"stop_reason\":{\"x\":[]}},"
                + "{\"index\":1,\"delta\":{\"content\":\"the second choice\"}},[\"not\",\"read\"]],"
                + "\"usage\":{\"completion_tokens_details\":{\"reasoning_tokens\":5},\"prompt_tokens\":7,\"completion_tokens\":9},\"after\":{\"k\":\"v\"}}");

        assertThat(delta).isEqualTo(new Wire.Delta("text", "stop", new Usage(7, 9)));
    }

    @Test
    void throws_the_servers_error_for_an_error_object_in_a_chunk() {
        ModelException error = catchThrowableOfType(ModelException.class, () -> Wire.parseChunk(
                "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"error\":{\"message\":\"CUDA out of memory\",\"type\":\"InternalServerError\"}}"));

        assertThat(error.failure()).isEqualTo(ModelFailure.UNAVAILABLE);
        assertThat(error.getMessage()).isEqualTo("The model server reported an error: CUDA out of memory. Try again later.");
        assertThat(catchThrowableOfType(ModelException.class, () -> Wire.parseChunk("{\"choices\":{},\"error\":{\"message\":\"m\",\"code\":429}}"))
                .failure()).as("an error object counts before the shape of the choices").isEqualTo(ModelFailure.RATE_LIMITED);
        assertThat(Wire.parseChunk("{\"error\":null,\"choices\":[{\"delta\":{\"content\":\"x\"}}]}").text()).isEqualTo("x");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{not json", "[1,2]", "\"text\"", "{\"id\":\"x\"}", "{\"choices\":{}}", "{\"choices\":[{\"delta\":\"x\"}]}",
            "{\"choices\":[{\"delta\":{\"content\":42}}]}"})
    void rejects_chunks_of_another_shape(String chunk) {
        ModelException error = catchThrowableOfType(ModelException.class, () -> Wire.parseChunk(chunk));

        assertThat(error.failure()).isEqualTo(ModelFailure.PROTOCOL);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{not json | a chunk of the stream is not valid JSON",
            "{\"choices\":[{\"delta\":{\"content\":\"x\"}}] | a chunk of the stream is not valid JSON",
            "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"usage\":{]} | a chunk of the stream is not valid JSON",
            "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"id\":\"a\tb\"} | a chunk of the stream is not valid JSON",
            "[1,2 | a chunk of the stream is not valid JSON",
            "[1,2] | a chunk of the stream is not a JSON object",
            "null | a chunk of the stream is not a JSON object",
            "{\"id\":\"x\"} | a chunk of the stream has no \"choices\"",
            "{\"choices\":null,\"usage\":3} | a chunk of the stream has no \"choices\"",
            "{\"choices\":{}} | \"choices\" in a chunk of the stream is not a list",
            "{\"choices\":[1,{\"delta\":{\"content\":\"x\"}}]} | a choice in a chunk of the stream is not an object",
            "{\"choices\":[{\"delta\":\"x\"}]} | \"delta\" in a chunk of the stream is not an object",
            "{\"choices\":[{\"delta\":{\"content\":42}}]} | \"delta.content\" is not text",
            "{\"choices\":[{\"delta\":{\"content\":[\"x\"]}}],\"usage\":{}} | \"delta.content\" is not text",
    })
    void says_what_is_wrong_with_a_chunk(String chunk, String detail) {
        ModelException error = catchThrowableOfType(ModelException.class, () -> Wire.parseChunk(chunk));

        assertThat(error.failure()).isEqualTo(ModelFailure.PROTOCOL);
        assertThat(error.getMessage()).contains("(" + detail + ")");
    }
}
