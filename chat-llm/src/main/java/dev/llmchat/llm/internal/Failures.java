package dev.llmchat.llm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;
import okhttp3.Response;

/**
 * Every way a model call can fail, turned into a {@link ModelException} whose message an end user can act
 * on. The HTTP status → {@link ModelFailure} table lives here and nowhere else ({@link #forStatus}).
 */
final class Failures {
    static final String CLOSED_EARLY = "The model server closed the connection before finishing the reply. Try again.";
    private static final long MAX_ERROR_BODY = 64 * 1024;

    private Failures() {
    }

    /** The one table from HTTP status to failure kind. */
    static ModelFailure forStatus(int status) {
        return switch (status) {
            case 400, 413, 422 -> ModelFailure.REJECTED;
            case 401, 403 -> ModelFailure.AUTHENTICATION;
            case 404 -> ModelFailure.MODEL_NOT_FOUND;
            case 408, 504 -> ModelFailure.TIMEOUT;
            case 429 -> ModelFailure.RATE_LIMITED;
            default -> {
                if (status >= 500 && status <= 599) yield ModelFailure.UNAVAILABLE;
                if (status >= 300 && status <= 399) yield ModelFailure.REJECTED; // redirects are not followed
                yield ModelFailure.PROTOCOL;
            }
        };
    }

    /** A non-2xx response; reads (a bounded part of) its body for the server's own words. */
    static ModelException fromResponse(Target target, Response response) {
        String body;
        try {
            body = response.peekBody(MAX_ERROR_BODY).string();
        } catch (IOException | RuntimeException e) {
            body = "";
        }
        return fromStatus(target, response.code(), response.header("Location"), response.header("Retry-After"), body, Instant.now());
    }

    static ModelException fromStatus(Target target, int status, String location, String retryAfterHeader, String body, Instant now) {
        ModelFailure kind = forStatus(status);
        Optional<String> serverText = Wire.errorText(body);
        Optional<Duration> retryAfter = kind == ModelFailure.RATE_LIMITED ? retryAfter(retryAfterHeader, now) : Optional.empty();
        String http = " (HTTP " + status + ")";
        String message;
        if (status >= 300 && status <= 399) {
            message = "The model server redirected the request" + http + (location == null ? "" : " to " + location)
                    + ". Redirects are not followed: configure the final URL in your model settings.";
        } else {
            String head = switch (kind) {
                case REJECTED -> status == 413 ? "The model server refused the request as too large" : "The model server rejected the request";
                case AUTHENTICATION -> "The model server rejected the API key";
                case MODEL_NOT_FOUND -> "The model server does not know the model \"" + target.model() + "\" or the path " + target.url().encodedPath();
                case TIMEOUT -> "The model server timed out";
                case RATE_LIMITED -> "The model server is receiving too many requests";
                case UNAVAILABLE -> "The model server failed";
                default -> "The model server answered with an unexpected status";
            };
            String advice = status == 413 ? "Shorten the conversation or start a new one." : advice(kind, retryAfter);
            message = sentence(head + http, serverText) + " " + advice;
        }
        return new ModelException(kind, message, status, retryAfter, null);
    }

    /** An {@code {"error": …}} object inside a 200 reply or a stream: UNAVAILABLE unless its code or type says otherwise. */
    static ModelException serverError(JsonNode root) {
        ModelFailure kind = errorKind(root.path("error"));
        String message = sentence("The model server reported an error", Wire.errorText(root)) + " " + advice(kind, Optional.empty());
        return new ModelException(kind, message, 200, Optional.empty(), null);
    }

    static ModelException protocol(String detail, Throwable cause) {
        return new ModelException(ModelFailure.PROTOCOL, "The model server sent a reply that is not an OpenAI-compatible chat completion ("
                + detail + "). Check that the URL in your model settings points to an OpenAI-compatible server.", 0, Optional.empty(), cause);
    }

    /**
     * A failed exchange. {@code responded}: the status line had arrived, so a broken connection means an
     * unfinished reply rather than an unreachable server; {@code readTimeout} is the limit OkHttp enforced.
     */
    static ModelException fromIo(IOException e, Target target, boolean responded, Duration readTimeout, Duration total, int status) {
        Optional<BlockedAddressException> blocked = find(e, BlockedAddressException.class);
        if (blocked.isPresent()) return blocked(blocked.get().kind(), e);
        String where = target.hostPort();
        ModelFailure kind;
        String message;
        if (has(e, UnknownHostException.class)) {
            kind = ModelFailure.UNREACHABLE;
            message = "The model server's host name \"" + target.url().host() + "\" was not found. Check the URL in your model settings.";
        } else if (has(e, ConnectException.class) || has(e, NoRouteToHostException.class)) {
            kind = ModelFailure.UNREACHABLE;
            message = "The model server at " + where + " could not be reached (connection refused). "
                    + "Check that it is running and that the URL in your model settings is right.";
        } else if (has(e, SSLException.class)) {
            kind = ModelFailure.UNREACHABLE;
            message = "A secure (TLS) connection to the model server at " + where + " failed (" + e.getMessage()
                    + "). Check whether the URL should start with http:// or https://.";
        } else if (e instanceof SocketTimeoutException && !responded && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("connect")) {
            kind = ModelFailure.TIMEOUT;
            message = "The model server at " + where + " could not be reached within the connect timeout. "
                    + "Check that it is running and that the URL in your model settings is right.";
        } else if (e instanceof SocketTimeoutException) {
            kind = ModelFailure.TIMEOUT;
            message = "The model server sent no reply within " + Timeouts.describe(readTimeout) + ". It may be overloaded; try again later.";
        } else if (e instanceof InterruptedIOException && "timeout".equals(e.getMessage())) {
            kind = ModelFailure.TIMEOUT;
            message = totalTimeoutMessage(total);
        } else if (has(e, EOFException.class) || String.valueOf(e.getMessage()).contains("unexpected end of stream")) {
            kind = ModelFailure.INCOMPLETE;
            message = CLOSED_EARLY;
        } else if (e instanceof ProtocolException) {
            kind = ModelFailure.PROTOCOL;
            message = "The server at " + where + " did not answer in valid HTTP (" + e.getMessage()
                    + "). Check the URL in your model settings (http or https, host and port).";
        } else if (responded) {
            kind = ModelFailure.INCOMPLETE;
            message = "The connection to the model server broke before the reply was finished (" + e.getMessage() + "). Try again.";
        } else {
            kind = ModelFailure.UNREACHABLE;
            message = "The connection to the model server at " + where + " failed (" + e.getMessage()
                    + "). Check that it is running and that the URL in your model settings is right.";
        }
        return new ModelException(kind, message, status, Optional.empty(), e);
    }

    static ModelException firstTokenTimeout(Duration limit) {
        return timeout("The model server did not start replying within " + Timeouts.describe(limit)
                + ". It may be overloaded or still loading the model; try again later.");
    }

    static ModelException idleTimeout(Duration limit) {
        return timeout("The model server stopped sending the reply for more than " + Timeouts.describe(limit) + ". Try again.");
    }

    static ModelException totalTimeout(Duration limit) {
        return timeout(totalTimeoutMessage(limit));
    }

    static ModelException incomplete(int status) {
        return new ModelException(ModelFailure.INCOMPLETE, CLOSED_EARLY, status, Optional.empty(), null);
    }

    /** An untrusted endpoint led to an address the outbound policy forbids. */
    static ModelException blocked(AddressKind kind, Throwable cause) {
        return new ModelException(ModelFailure.BLOCKED, blockedMessage(kind), 0, Optional.empty(), cause);
    }

    static String blockedMessage(AddressKind kind) {
        return "The model URL points to " + kind.describe() + ", which this server does not call for custom models. Ask the operator to allow it.";
    }

    static ModelException cancelled() {
        return new ModelException(ModelFailure.CANCELLED, "The reply was stopped before it finished.");
    }

    /** {@code Retry-After}: delay-seconds or an HTTP-date; absent, unreadable or past gives empty. */
    static Optional<Duration> retryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) return Optional.empty();
        String value = header.strip();
        try {
            long seconds = Long.parseLong(value);
            return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Optional.of(Duration.ZERO) : Optional.of(d.withNanos(0));
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }

    private static ModelFailure errorKind(JsonNode error) {
        if (!error.isObject()) return ModelFailure.UNAVAILABLE;
        JsonNode code = error.path("code");
        int status = code.isInt() ? code.asInt() : code.isTextual() && code.asText().matches("\\d{3}") ? Integer.parseInt(code.asText()) : 0;
        if (status >= 400 && status <= 599) return forStatus(status);
        String words = (error.path("type").asText("") + " " + code.asText("")).toLowerCase(Locale.ROOT);
        if (words.contains("rate_limit") || words.contains("ratelimit")) return ModelFailure.RATE_LIMITED;
        if (words.contains("context_length") || words.contains("invalid_request") || words.contains("badrequest") || words.contains("bad_request")) {
            return ModelFailure.REJECTED;
        }
        if (words.contains("auth") || words.contains("api_key") || words.contains("permission")) return ModelFailure.AUTHENTICATION;
        if (words.contains("not_found") || words.contains("notfound")) return ModelFailure.MODEL_NOT_FOUND;
        if (words.contains("timeout")) return ModelFailure.TIMEOUT;
        return ModelFailure.UNAVAILABLE;
    }

    private static String advice(ModelFailure kind, Optional<Duration> retryAfter) {
        return switch (kind) {
            case REJECTED -> "The prompt may be too long for the model, or a setting such as max tokens may be out of its range.";
            case AUTHENTICATION -> "Check the API key in your model settings.";
            case MODEL_NOT_FOUND -> "Check the model name and the URL in your model settings.";
            case TIMEOUT -> "Try again, perhaps with a shorter prompt.";
            case RATE_LIMITED -> retryAfter.map(d -> "Try again in " + Timeouts.describe(d.isZero() ? Duration.ofSeconds(1) : d) + ".")
                    .orElse("Try again in a moment.");
            case UNAVAILABLE -> "Try again later.";
            case PROTOCOL -> "Check that the URL in your model settings points to an OpenAI-compatible server.";
            case BLOCKED -> "Ask the operator to allow it.";
            case UNREACHABLE, INCOMPLETE, CANCELLED -> "Try again.";
        };
    }

    private static String totalTimeoutMessage(Duration limit) {
        return "The model server did not finish the reply within " + Timeouts.describe(limit) + ", the limit for one reply. "
                + "Try again, perhaps asking for a shorter answer.";
    }

    private static ModelException timeout(String message) {
        return new ModelException(ModelFailure.TIMEOUT, message, 0, Optional.empty(), null);
    }

    /** {@code head: server text.} — no doubled full stop when the server's text already ends a sentence. */
    private static String sentence(String head, Optional<String> serverText) {
        if (serverText.isEmpty()) return head + ".";
        String text = serverText.get();
        return head + ": " + text + (text.matches("(?s).*[.!?。！？…]$") ? "" : ".");
    }

    private static boolean has(Throwable e, Class<? extends Throwable> type) {
        return find(e, type).isPresent();
    }

    /** {@code e} or one of its causes or suppressed exceptions (OkHttp keeps other routes' failures as suppressed). */
    private static <T extends Throwable> Optional<T> find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) return Optional.of(type.cast(t));
            for (Throwable s : t.getSuppressed()) if (type.isInstance(s)) return Optional.of(type.cast(s));
        }
        return Optional.empty();
    }
}
