package dev.llmchat.embedding;

import dev.llmchat.core.Message;
import dev.llmchat.core.MessageStatus;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddingTest {
    @Test
    void the_readme_snippet_streams_and_stores_a_reply(@TempDir Path dir) throws Exception {
        try (MockWebServer upstream = new MockWebServer()) {
            upstream.enqueue(new MockResponse.Builder()
                    .addHeader("Content-Type", "text/event-stream")
                    .body("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
                            + "data: {\"choices\":[{\"delta\":{\"content\":\"你好\"}}]}\n\n"
                            + "data: {\"choices\":[{\"delta\":{\"content\":\"！\"},\"finish_reason\":\"stop\"}]}\n\n"
                            + "data: [DONE]\n\n")
                    .build());
            upstream.start();

            Message reply = EmbeddingExample.run("sqlite:///" + dir.resolve("chat.db"), upstream.url("/v1").toString());

            assertThat(reply.content()).isEqualTo("你好！");
            assertThat(reply.status()).isEqualTo(MessageStatus.COMPLETE);
            assertThat(upstream.takeRequest().getBody().utf8()).contains("You are concise.", "你好！", "qwen2.5");
        }
    }

    @Test
    void the_library_runs_without_javalin_on_the_classpath() {
        assertThatThrownBy(() -> Class.forName("io.javalin.Javalin")).isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("ch.qos.logback.classic.Logger")).isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void the_readme_shows_the_snippet_exactly() throws Exception {
        List<String> source = Files.readAllLines(Path.of("src/test/java/dev/llmchat/embedding/EmbeddingExample.java"));
        List<String> snippet = source.subList(source.indexOf("        // README-SNIPPET-START") + 1, source.indexOf("        // README-SNIPPET-END"))
                .stream().map(l -> l.length() >= 8 ? l.substring(8) : l.strip()).toList();
        String readme = Files.readString(Path.of("../README.md"));

        assertThat(readme).contains(String.join("\n", snippet));
    }
}
