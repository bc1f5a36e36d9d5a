package dev.llmchat.llm.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.NumberInput;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatMessage;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.FinishReason;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.Usage;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The OpenAI chat-completions wire format. Chunks of a stream, read once per token, go through a streaming
 * parser that picks out {@code choices[0].delta.content}, {@code finish_reason} and {@code usage} and skips
 * everything else (reasoning_content, logprobs, …) unread; whole replies and error bodies are read as JSON
 * trees. Both check the same shapes: malformed input throws {@link ModelException} with {@code PROTOCOL};
 * an {@code error} object throws the server's error.
 */
final class Wire {
    // Jackson's default pool keeps a set of buffers (8 KB of char[] and more) per thread, and every stream is read
    // on a virtual thread of its own, so each open stream kept a set; one shared pool keeps a few sets in all
    private static final JsonFactory FACTORY = JsonFactory.builder().recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build();
    private static final ObjectMapper JSON = new ObjectMapper(FACTORY);
    private static final Pattern TITLE = Pattern.compile("(?is)<title[^>]*>(.*?)</title>");
    private static final Pattern NOISE = Pattern.compile("(?is)<(script|style)[^>]*>.*?</\\1>|<[^>]*>");
    private static final String CHUNK = "a chunk of the stream";
    static final int MAX_SERVER_TEXT = 200;

    private Wire() {
    }

    /** One chunk of a stream: its text ({@code ""} for none), finish reason and usage when present. */
    record Delta(String text, String finishReason, Usage usage) {
    }

    /**
     * What one {@code "choices"} value says: the first choice's text and finish reason, or, in {@code problem},
     * why it cannot be read. A problem is thrown only once the whole chunk has been read, as a tree would have
     * it: a syntax error or an {@code error} object anywhere in the chunk wins, and of duplicate keys the last counts.
     */
    private record Choice(String text, String finishReason, String problem) {
        static final Choice NONE = new Choice("", null, null);

        static Choice problem(String problem) {
            return new Choice("", null, problem);
        }
    }

    static byte[] requestBody(ChatRequest request, boolean stream) {
        // the ASCII size as first guess; more comes in further blocks, not by copying what was written
        int size = 128;
        for (ChatMessage m : request.messages()) size += m.content().length() + 32;
        ByteArrayBuilder out = new ByteArrayBuilder(size);
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("model", request.endpoint().model());
            json.writeArrayFieldStart("messages");
            for (ChatMessage m : request.messages()) {
                json.writeStartObject();
                json.writeStringField("role", m.role().wireName());
                json.writeStringField("content", m.content());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeNumberField("temperature", request.temperature());
            json.writeNumberField("max_tokens", request.maxTokens());
            json.writeBooleanField("stream", stream);
            json.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: writing JSON to memory", e);
        }
        return out.toByteArray();
    }

    /** Parses the data of one SSE event (not {@code [DONE]}). */
    static Delta parseChunk(String data) {
        try (JsonParser p = FACTORY.createParser(data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                readTree(data, CHUNK); // tells "not valid JSON" from "not an object"
                throw Failures.protocol(CHUNK + " is not a JSON object", null);
            }
            Choice choices = null; // absent or null
            Usage usage = null; // absent or not an object
            boolean error = false;
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken value = p.nextToken();
                switch (name) {
                    case "choices" -> choices = value == JsonToken.VALUE_NULL ? null : choices(p);
                    case "usage" -> {
                        if (value == JsonToken.START_OBJECT) {
                            usage = usage(p);
                        } else {
                            usage = null;
                            p.skipChildren();
                        }
                    }
                    case "error" -> {
                        error = value != JsonToken.VALUE_NULL;
                        p.skipChildren();
                    }
                    default -> p.skipChildren();
                }
            }
            // rare: Failures reads the server's words from a tree, as for a whole reply
            if (error) throw Failures.serverError(readTree(data, CHUNK));
            if (choices == null) {
                if (usage != null) return new Delta("", null, usage);
                throw Failures.protocol(CHUNK + " has no \"choices\"", null);
            }
            if (choices.problem() != null) throw Failures.protocol(choices.problem(), null);
            return new Delta(choices.text(), choices.finishReason(), usage == null ? Usage.UNKNOWN : usage);
        } catch (JsonProcessingException e) {
            throw Failures.protocol(CHUNK + " is not valid JSON", e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: reading JSON from a string", e);
        }
    }

    /** At the first token of a non-null {@code "choices"}; leaves the parser at its last token. */
    private static Choice choices(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return Choice.problem("\"choices\" in " + CHUNK + " is not a list");
        }
        if (p.nextToken() == JsonToken.END_ARRAY) return Choice.NONE;
        Choice first = choice(p);
        while (p.nextToken() != JsonToken.END_ARRAY) p.skipChildren();
        return first;
    }

    private static Choice choice(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return Choice.problem("a choice in " + CHUNK + " is not an object");
        }
        Choice delta = Choice.NONE;
        String finishReason = null;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken value = p.nextToken();
            switch (name) {
                case "delta" -> delta = switch (value) {
                    case START_OBJECT -> delta(p);
                    case VALUE_NULL -> Choice.NONE;
                    default -> {
                        p.skipChildren();
                        yield Choice.problem("\"delta\" in " + CHUNK + " is not an object");
                    }
                };
                case "finish_reason" -> {
                    finishReason = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        return new Choice(delta.text(), finishReason, delta.problem());
    }

    /** The text of a {@code "delta"} object, as a choice without finish reason. */
    private static Choice delta(JsonParser p) throws IOException {
        Choice content = Choice.NONE;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken value = p.nextToken();
            if (!name.equals("content")) {
                p.skipChildren();
            } else if (value == JsonToken.VALUE_STRING) {
                content = new Choice(p.getText(), null, null);
            } else if (value == JsonToken.VALUE_NULL) {
                content = Choice.NONE;
            } else {
                p.skipChildren();
                content = Choice.problem("\"delta.content\" is not text");
            }
        }
        return content;
    }

    private static Usage usage(JsonParser p) throws IOException {
        int prompt = 0;
        int completion = 0;
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            p.nextToken();
            switch (name) {
                case "prompt_tokens" -> prompt = asInt(p);
                case "completion_tokens" -> completion = asInt(p);
                default -> p.skipChildren();
            }
        }
        return new Usage(prompt, completion);
    }

    /** As {@link JsonNode#asInt(int) asInt(0)} of the value as a tree node: numbers cut to int, numeric text parsed, true 1, else 0. */
    private static int asInt(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue().intValue() : (int) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> (int) p.getDoubleValue();
            case VALUE_STRING -> NumberInput.parseAsInt(p.getText(), 0);
            case VALUE_TRUE -> 1;
            default -> {
                p.skipChildren();
                yield 0;
            }
        };
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
        JsonNode root = readTree(json, what);
        if (root == null || !root.isObject()) throw Failures.protocol(what + " is not a JSON object", null);
        JsonNode error = root.get("error");
        if (error != null && !error.isNull()) throw Failures.serverError(root);
        return root;
    }

    private static JsonNode readTree(String json, String what) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw Failures.protocol(what + " is not valid JSON", e);
        }
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
