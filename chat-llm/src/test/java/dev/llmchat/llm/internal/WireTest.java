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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":null}}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"}}]}",
            "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"}}]}",
            "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}",
            "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}",
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

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{not json", "[1,2]", "\"text\"", "{\"id\":\"x\"}", "{\"choices\":{}}", "{\"choices\":[{\"delta\":\"x\"}]}",
            "{\"choices\":[{\"delta\":{\"content\":42}}]}"})
    void rejects_chunks_of_another_shape(String chunk) {
        ModelException error = catchThrowableOfType(ModelException.class, () -> Wire.parseChunk(chunk));

        assertThat(error.failure()).isEqualTo(ModelFailure.PROTOCOL);
    }
}
