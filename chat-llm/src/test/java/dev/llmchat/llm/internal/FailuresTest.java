package dev.llmchat.llm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLHandshakeException;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FailuresTest {
    private static final Target TARGET = new Target(HttpUrl.get("http://gpu-1:8000/v1/chat/completions"), "llama3");
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    @ParameterizedTest(name = "HTTP {0} -> {1}")
    @CsvSource({
            "400, REJECTED", "401, AUTHENTICATION", "403, AUTHENTICATION", "404, MODEL_NOT_FOUND", "408, TIMEOUT",
            "413, REJECTED", "422, REJECTED", "429, RATE_LIMITED", "500, UNAVAILABLE", "502, UNAVAILABLE",
            "503, UNAVAILABLE", "504, TIMEOUT", "301, REJECTED", "307, REJECTED", "405, PROTOCOL", "418, PROTOCOL", "200, PROTOCOL",
    })
    void maps_each_http_status_to_one_failure(int status, ModelFailure expected) {
        assertThat(Failures.forStatus(status)).isEqualTo(expected);
    }

    @Test
    void reads_retry_after_in_seconds_or_as_an_http_date() {
        assertThat(Failures.retryAfter("30", NOW)).contains(Duration.ofSeconds(30));
        assertThat(Failures.retryAfter("Thu, 01 Jan 2026 12:01:30 GMT", NOW)).contains(Duration.ofSeconds(90));
        assertThat(Failures.retryAfter("Thu, 01 Jan 2026 11:00:00 GMT", NOW)).contains(Duration.ZERO);
        assertThat(Failures.retryAfter("soon", NOW)).isEmpty();
        assertThat(Failures.retryAfter(null, NOW)).isEmpty();
    }

    @Test
    void puts_retry_after_into_a_429_and_its_message() {
        ModelException e = Failures.fromStatus(TARGET, 429, null, "Thu, 01 Jan 2026 12:00:20 GMT", "", NOW);

        assertThat(e.retryAfter()).contains(Duration.ofSeconds(20));
        assertThat(e.getMessage()).isEqualTo("The model server is receiving too many requests (HTTP 429). Try again in 20 seconds.");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"error\":{\"message\":\"Invalid model\",\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}} | Invalid model",
            "{\"error\":\"upstream exploded\"}                                                                          | upstream exploded",
            "{\"detail\":\"Model not loaded\"}                                                                          | Model not loaded",
            "{\"detail\":[{\"loc\":[\"body\",\"messages\"],\"msg\":\"field required\"},{\"msg\":\"bad role\"}]}           | field required; bad role",
            "{\"message\":\"Unauthorized\"}                                                                             | Unauthorized",
            "Service temporarily unavailable                                                                            | Service temporarily unavailable",
            "<!DOCTYPE html><html><head><title>Bad Gateway</title></head><body><p>cloudflare</p></body></html>            | Bad Gateway",
            "<html><body><h1>Oops</h1><script>var x = 1;</script><p>try   later</p></body></html>                         | Oops try later",
    })
    void finds_the_servers_own_words_in_an_error_body(String body, String expected) {
        assertThat(Wire.errorText(body)).contains(expected);
    }

    @Test
    void clips_long_error_text() {
        assertThat(Wire.errorText("x".repeat(5000)).orElseThrow()).hasSize(Wire.MAX_SERVER_TEXT + 1).endsWith("…");
        assertThat(Wire.errorText("  ")).isEmpty();
    }

    @Test
    void maps_io_failures_by_kind() {
        assertThat(io(new ConnectException("Failed to connect to gpu-1/10.0.0.1:8000"), false).failure()).isEqualTo(ModelFailure.UNREACHABLE);
        assertThat(io(new UnknownHostException("gpu-1"), false).getMessage()).contains("\"gpu-1\" was not found");
        assertThat(io(new SSLHandshakeException("PKIX path building failed"), false).getMessage()).contains("TLS", "gpu-1:8000");
        assertThat(io(new SocketTimeoutException("Connect timed out"), false).failure()).isEqualTo(ModelFailure.TIMEOUT);
        assertThat(io(new SocketTimeoutException("timeout"), false).getMessage()).contains("no reply within 60 seconds");
        assertThat(io(new InterruptedIOException("timeout"), true).getMessage()).contains("within 10 minutes");
        assertThat(io(new IOException("unexpected end of stream on http://gpu-1:8000/...", new EOFException()), false).failure())
                .isEqualTo(ModelFailure.INCOMPLETE);
        assertThat(io(new IOException("Connection reset"), true).failure()).isEqualTo(ModelFailure.INCOMPLETE);
        assertThat(io(new IOException("Connection reset"), false).failure()).isEqualTo(ModelFailure.UNREACHABLE);
    }

    @Test
    void takes_an_error_objects_kind_from_its_code_or_type() {
        assertThat(serverError("{\"error\":{\"message\":\"m\",\"code\":400}}")).isEqualTo(ModelFailure.REJECTED);
        assertThat(serverError("{\"error\":{\"message\":\"m\",\"code\":\"429\"}}")).isEqualTo(ModelFailure.RATE_LIMITED);
        assertThat(serverError("{\"error\":{\"message\":\"m\",\"type\":\"authentication_error\"}}")).isEqualTo(ModelFailure.AUTHENTICATION);
        assertThat(serverError("{\"error\":{\"message\":\"m\",\"type\":\"server_error\"}}")).isEqualTo(ModelFailure.UNAVAILABLE);
        assertThat(serverError("{\"error\":\"m\"}")).isEqualTo(ModelFailure.UNAVAILABLE);
    }

    private static ModelFailure serverError(String json) {
        try {
            Wire.parseChunk(json);
        } catch (ModelException e) {
            return e.failure();
        }
        throw new AssertionError("no error for " + json);
    }

    private static ModelException io(IOException e, boolean responded) {
        return Failures.fromIo(e, TARGET, responded, Duration.ofSeconds(60), Duration.ofMinutes(10), 0);
    }

}
