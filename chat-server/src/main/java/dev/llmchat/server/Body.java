package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * A request's JSON object body with typed, validating accessors. Every problem becomes a 400 whose
 * detail names the field: malformed JSON, invalid UTF-8, a non-object, a wrong type, a missing field.
 */
final class Body {
    private final ObjectNode node;

    private Body(ObjectNode node) {
        this.node = node;
    }

    /** The largest body read, set once at start-up; Javalin's own limit only sees a declared Content-Length. */
    static final io.javalin.config.Key<Long> LIMIT = new io.javalin.config.Key<>("llmchat.maxBodyBytes");

    static Body of(Context ctx) {
        return parse(read(ctx), false);
    }

    /** An absent or empty body reads as {@code {}}. */
    static Body optional(Context ctx) {
        return parse(read(ctx), true);
    }

    /** Reads at most the configured number of bytes, whether the body is sized or chunked; more is a 413. */
    static byte[] read(Context ctx) {
        long limit = ctx.appData(LIMIT);
        if (ctx.req().getContentLengthLong() > limit) throw tooLarge(limit);
        try (java.io.InputStream in = ctx.req().getInputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) throw tooLarge(limit);
            return bytes;
        } catch (IOException e) {
            throw ApiException.badRequest("unreadable_body", "The request body could not be read");
        }
    }

    /**
     * Reads and drops what a handler left of the body (a refused request, a DELETE with a body), up to the
     * limit, so the connection stays usable: Jetty closes a connection whose request body was not read,
     * and a client that already sent its next request on it sees that request fail.
     */
    static void drain(Context ctx) {
        try {
            if (ctx.req().getContentLengthLong() > ctx.appData(LIMIT)) return;
            byte[] skip = new byte[8192];
            long left = ctx.appData(LIMIT);
            java.io.InputStream in = ctx.req().getInputStream();
            for (int n; left > 0 && (n = in.read(skip, 0, (int) Math.min(skip.length, left))) > 0; ) left -= n;
        } catch (IOException | IllegalStateException e) {
            // nothing left to read, or the request is already gone
        }
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(413, "body_too_large", "The request body is larger than " + limit + " bytes");
    }

    static Body parse(byte[] bytes, boolean emptyAllowed) {
        if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            if (emptyAllowed) return new Body(Json.MAPPER.createObjectNode());
            throw ApiException.badRequest("invalid_body", "A JSON object body is required");
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("invalid_utf8", "The body is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid_json", "The body is not valid JSON");
        }
        if (root == null || !root.isObject()) throw ApiException.badRequest("invalid_body", "The body must be a JSON object");
        return new Body((ObjectNode) root);
    }

    boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    String requiredString(String field) {
        return optionalString(field).orElseThrow(() -> ApiException.badRequest("missing_field", "Field '" + field + "' is required"));
    }

    Optional<String> optionalString(String field) {
        if (!has(field)) return Optional.empty();
        JsonNode v = node.get(field);
        if (!v.isTextual()) throw wrongType(field, "a string");
        return Optional.of(v.textValue());
    }

    /** Accepts a string or a number (old clients send ids either way), as text. */
    Optional<String> optionalId(String field) {
        if (!has(field)) return Optional.empty();
        JsonNode v = node.get(field);
        if (v.isTextual()) return Optional.of(v.textValue());
        if (v.isIntegralNumber()) return Optional.of(v.asText());
        throw wrongType(field, "a string");
    }

    OptionalDouble optionalNumber(String field) {
        if (!has(field)) return OptionalDouble.empty();
        JsonNode v = node.get(field);
        if (!v.isNumber()) throw wrongType(field, "a number");
        double d = v.doubleValue();
        if (!Double.isFinite(d)) throw wrongType(field, "a finite number");
        return OptionalDouble.of(d);
    }

    OptionalInt optionalInt(String field) {
        if (!has(field)) return OptionalInt.empty();
        JsonNode v = node.get(field);
        if (!v.isIntegralNumber() && !(v.isNumber() && v.doubleValue() == Math.rint(v.doubleValue()))) throw wrongType(field, "an integer");
        if (!v.canConvertToInt()) throw ApiException.badRequest("invalid_" + field, "Field '" + field + "' is out of range");
        return OptionalInt.of(v.asInt());
    }

    Optional<Boolean> optionalBoolean(String field) {
        if (!has(field)) return Optional.empty();
        JsonNode v = node.get(field);
        if (!v.isBoolean()) throw wrongType(field, "true or false");
        return Optional.of(v.booleanValue());
    }

    private static ApiException wrongType(String field, String expected) {
        return ApiException.badRequest("invalid_" + field, "Field '" + field + "' must be " + expected);
    }
}
