package dev.llmchat.bench;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JSON of chat bodies with Jackson, the calls the server makes (its Body, Json, SseRelay, Views and chat-llm's
 * Wire are package-private, so the server's calls are repeated here one for one, and Wire's are called through
 * method handles): decoding a POST /chat body (UTF-8 check, then a tree), framing one SSE chunk, encoding a
 * non-streamed reply and a 100-message history page, parsing one upstream chunk and encoding the upstream
 * request with a 200-message prompt.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JsonBench {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TEXT = "请用中文回答，简短一些。🙂 今天我们来讨论性能优化🚀，每个令牌都很重要👍🏽。\"引号\" and some ASCII as well.\n";

    private byte[] chatBody;
    private String upstreamChunk;
    private Map<String, Object> reply;
    private List<Map<String, Object>> historyPage;
    private dev.llmchat.core.ChatRequest request;

    @Setup
    public void setup() throws IOException {
        chatBody = MAPPER.writeValueAsBytes(Map.of("session_id", "0b5f6c1e-8d3a-4a52-9d55-0d2f8c1f7a10", "message", TEXT.repeat(3), "stream", true, "temperature", 0.7));
        upstreamChunk = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"fake\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"优化🚀\"},\"logprobs\":null,\"finish_reason\":null}]}";
        reply = new LinkedHashMap<>();
        reply.put("session_id", "0b5f6c1e-8d3a-4a52-9d55-0d2f8c1f7a10");
        reply.put("user_message", TEXT);
        reply.put("assistant_reply", TEXT.repeat(4));
        historyPage = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", 1000L + i);
            m.put("role", i % 2 == 0 ? "user" : "assistant");
            m.put("content", TEXT);
            m.put("created_at", Instant.ofEpochMilli(1764000000000L + i).toString());
            m.put("status", "complete");
            historyPage.add(m);
        }
        List<dev.llmchat.core.ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < 200; i++) messages.add(new dev.llmchat.core.ChatMessage(i % 2 == 0 ? dev.llmchat.core.Role.USER : dev.llmchat.core.Role.ASSISTANT, TEXT));
        request = new dev.llmchat.core.ChatRequest(new dev.llmchat.core.ModelEndpoint("http://127.0.0.1:8000/v1", "fake", "", 8192, true), messages, 0.7, 2000);
    }

    /** As Body.parse: reject invalid UTF-8, then read a tree, then the typed field reads of ChatController. */
    @Benchmark
    public Object decodeChatBody() throws IOException {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(chatBody));
        } catch (CharacterCodingException e) {
            throw new IllegalStateException(e);
        }
        JsonNode root = MAPPER.readTree(chatBody);
        return root.get("session_id").textValue().length() + root.get("message").textValue().length()
                + (root.get("stream").booleanValue() ? 1 : 0) + root.get("temperature").doubleValue();
    }

    /** As SseRelay.write: {@code data: {"chunk": "…"}\n\n} as UTF-8 bytes, for one 2-character piece. */
    @Benchmark
    public byte[] encodeSseChunk() {
        StringBuilder sb = new StringBuilder(16).append('"');
        JsonStringEncoder.getInstance().quoteAsString("优化🚀", sb);
        return ("data: {\"chunk\": " + sb.append('"') + "}\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** As ChatController's non-streamed answer through Json.send. */
    @Benchmark
    public byte[] encodeReply() throws IOException {
        return MAPPER.writeValueAsBytes(reply);
    }

    /** As ConversationController.history: 100 messages shaped by Views.message. */
    @Benchmark
    public byte[] encodeHistoryPage100() throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", "0b5f6c1e-8d3a-4a52-9d55-0d2f8c1f7a10");
        out.put("messages", historyPage);
        out.put("next_cursor", "MTEwMA");
        return MAPPER.writeValueAsBytes(out);
    }

    /** Wire.parseChunk itself (package-private; called through a method handle). */
    @Benchmark
    public Object parseUpstreamChunk() throws Throwable {
        return PARSE_CHUNK.invoke(upstreamChunk);
    }

    /** Wire.requestBody itself, for a 200-message prompt. */
    @Benchmark
    public Object encodeUpstreamRequest200() throws Throwable {
        return REQUEST_BODY.invoke(request, true);
    }

    private static final java.lang.invoke.MethodHandle PARSE_CHUNK = wire("parseChunk", String.class);
    private static final java.lang.invoke.MethodHandle REQUEST_BODY = wire("requestBody", dev.llmchat.core.ChatRequest.class, boolean.class);

    /** chat-llm's Wire is package-private: its methods are reached by reflection once, then called as handles. */
    private static java.lang.invoke.MethodHandle wire(String name, Class<?>... parameters) {
        try {
            java.lang.reflect.Method m = Class.forName("dev.llmchat.llm.internal.Wire").getDeclaredMethod(name, parameters);
            m.setAccessible(true);
            return java.lang.invoke.MethodHandles.lookup().unreflect(m);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("chat-llm's Wire." + name + " changed; update JsonBench", e);
        }
    }
}
