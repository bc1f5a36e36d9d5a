package dev.llmchat.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmchat.core.ChatMessage;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ModelEndpoint;
import dev.llmchat.core.Role;
import java.util.List;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/** Builders for what an OpenAI-compatible server sends, and for requests to it. */
final class Sse {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Sse() {
    }

    static String event(String json) {
        return "data: " + json + "\n\n";
    }

    static String role() {
        return event("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}");
    }

    static String text(String content) {
        ObjectNode chunk = JSON.createObjectNode().put("id", "c1").put("object", "chat.completion.chunk");
        chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta").put("content", content);
        return event(chunk.toString());
    }

    static String finish(String reason) {
        return event("{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + reason + "\"}]}");
    }

    static String usage(int prompt, int completion) {
        return event("{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion
                + ",\"total_tokens\":" + (prompt + completion) + "}}");
    }

    static String done() {
        return "data: [DONE]\n\n";
    }

    static MockResponse stream(String... events) {
        return new MockResponse.Builder().addHeader("Content-Type", "text/event-stream; charset=utf-8").body(String.join("", events)).build();
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
    }

    static String completion(String contentJson, String finishReason) {
        return "{\"id\":\"c1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + contentJson + "},\"finish_reason\":\"" + finishReason + "\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}";
    }

    static ChatRequest request(String url) {
        return request(url, "");
    }

    static ChatRequest request(String url, String apiKey) {
        return new ChatRequest(new ModelEndpoint(url, "qwen2.5-7b", apiKey, 8192, true),
                List.of(new ChatMessage(Role.SYSTEM, "Be brief."), new ChatMessage(Role.USER, "Say hello")), 0.7, 256);
    }

    /** Answers every request (OkHttp may retry some statuses) with the same response. */
    static void always(MockWebServer server, MockResponse response) {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                return response;
            }
        });
    }
}
