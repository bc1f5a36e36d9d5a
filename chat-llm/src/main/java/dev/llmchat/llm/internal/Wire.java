package dev.llmchat.llm.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatMessage;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.FinishReason;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.Usage;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The OpenAI chat-completions wire format, read as JSON trees so that every shape check is explicit and
 * unknown fields (reasoning_content, logprobs, …) are ignored. Malformed input throws
 * {@link ModelException} with {@code PROTOCOL}; an {@code error} object throws the server's error.
 */
final class Wire {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TITLE = Pattern.compile("(?is)<title[^>]*>(.*?)</title>");
    private static final Pattern NOISE = Pattern.compile("(?is)<(script|style)[^>]*>.*?</\\1>|<[^>]*>");
    static final int MAX_SERVER_TEXT = 200;

    private Wire() {
    }

    /** One chunk of a stream: its text ({@code ""} for none), finish reason and usage when present. */
    record Delta(String text, String finishReason, Usage usage) {
    }

    static byte[] requestBody(ChatRequest request, boolean stream) {
        ObjectNode root = JSON.createObjectNode().put("model", request.endpoint().model());
        ArrayNode messages = root.putArray("messages");
        for (ChatMessage m : request.messages()) messages.addObject().put("role", m.role().wireName()).put("content", m.content());
        root.put("temperature", request.temperature()).put("max_tokens", request.maxTokens()).put("stream", stream);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen: serialising a JSON tree", e);
        }
    }

    /** Parses the data of one SSE event (not {@code [DONE]}). */
    static Delta parseChunk(String data) {
        JsonNode root = readObject(data, "a chunk of the stream");
        JsonNode choices = root.get("choices");
        Usage usage = usage(root.get("usage"));
        if (choices == null || choices.isNull()) {
            if (root.path("usage").isObject()) return new Delta("", null, usage);
            throw Failures.protocol("a chunk of the stream has no \"choices\"", null);
        }
        if (!choices.isArray()) throw Failures.protocol("\"choices\" in a chunk of the stream is not a list", null);
        if (choices.isEmpty()) return new Delta("", null, usage);
        JsonNode choice = choices.get(0);
        if (!choice.isObject()) throw Failures.protocol("a choice in a chunk of the stream is not an object", null);
        JsonNode delta = choice.get("delta");
        if (delta != null && !delta.isNull() && !delta.isObject()) throw Failures.protocol("\"delta\" in a chunk of the stream is not an object", null);
        String text = delta == null ? "" : text(delta.get("content"), "delta.content");
        return new Delta(text, textOrNull(choice.get("finish_reason")), usage);
    }

    /** Parses a whole (non-streamed) reply. */
    static ChatCompletion parseCompletion(String body) {
        JsonNode root = readObject(body, "the reply");
        JsonNode choices = root.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) throw Failures.protocol("the reply has no \"choices\"", null);
        JsonNode choice = choices.get(0);
        JsonNode message = choice.get("message");
        if (message == null || !message.isObject()) throw Failures.protocol("the reply's first choice has no \"message\"", null);
        return new ChatCompletion(text(message.get("content"), "message.content"),
                FinishReason.fromWire(textOrNull(choice.get("finish_reason"))), usage(root.get("usage")));
    }

    /** The server's own words in an error body, clipped; HTML pages give their title at most. */
    static Optional<String> errorText(String body) {
        if (body == null || body.isBlank()) return Optional.empty();
        String trimmed = body.strip();
        if (trimmed.startsWith("{")) {
            try {
                Optional<String> fromJson = errorText(JSON.readTree(trimmed));
                if (fromJson.isPresent()) return fromJson;
            } catch (JsonProcessingException e) {
                // not JSON after all: fall through to plain text
            }
        }
        String text = trimmed;
        if (looksLikeHtml(trimmed)) {
            var title = TITLE.matcher(trimmed);
            text = title.find() ? title.group(1) : NOISE.matcher(trimmed).replaceAll(" ");
        }
        return clip(text);
    }

    /** {@code {"error":{"message"}}}, {@code {"error":"text"}}, {@code {"detail":…}} (FastAPI) or {@code {"message":…}}. */
    static Optional<String> errorText(JsonNode root) {
        JsonNode error = root.path("error");
        if (error.isObject() && error.path("message").isTextual()) return clip(error.get("message").asText());
        if (error.isTextual()) return clip(error.asText());
        JsonNode detail = root.path("detail");
        if (detail.isTextual()) return clip(detail.asText());
        if (detail.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode d : detail) {
                String msg = d.path("msg").asText(d.isTextual() ? d.asText() : "");
                if (!msg.isEmpty()) sb.append(sb.isEmpty() ? "" : "; ").append(msg);
            }
            if (!sb.isEmpty()) return clip(sb.toString());
        }
        if (root.path("message").isTextual()) return clip(root.get("message").asText());
        return Optional.empty();
    }

    static JsonNode readObject(String json, String what) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw Failures.protocol(what + " is not valid JSON", e);
        }
        if (root == null || !root.isObject()) throw Failures.protocol(what + " is not a JSON object", null);
        JsonNode error = root.get("error");
        if (error != null && !error.isNull()) throw Failures.serverError(root);
        return root;
    }

    private static String text(JsonNode content, String field) {
        if (content == null || content.isNull()) return "";
        if (!content.isTextual()) throw Failures.protocol("\"" + field + "\" is not text", null);
        return content.asText();
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private static Usage usage(JsonNode node) {
        if (node == null || !node.isObject()) return Usage.UNKNOWN;
        return new Usage(node.path("prompt_tokens").asInt(0), node.path("completion_tokens").asInt(0));
    }

    private static boolean looksLikeHtml(String s) {
        String head = s.substring(0, Math.min(s.length(), 200)).toLowerCase(java.util.Locale.ROOT);
        return head.startsWith("<") && (head.contains("<html") || head.contains("<!doctype") || head.contains("<head") || head.contains("<body"));
    }

    private static Optional<String> clip(String raw) {
        String s = raw.replaceAll("\\s+", " ").strip();
        if (s.isEmpty()) return Optional.empty();
        if (s.codePointCount(0, s.length()) <= MAX_SERVER_TEXT) return Optional.of(s);
        return Optional.of(s.substring(0, s.offsetByCodePoints(0, MAX_SERVER_TEXT)).strip() + "…");
    }
}
