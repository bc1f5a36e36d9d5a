package dev.llmchat.llm.internal;

import dev.llmchat.core.ModelEndpoint;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import okhttp3.HttpUrl;

/** Where a call goes: the normalised {@code …/chat/completions} URL and the model name. Holds no key. */
record Target(HttpUrl url, String model) {
    private static final String SUFFIX = "/chat/completions";
    static final String NOT_HTTP_URL = "The model URL is not a valid http:// or https:// URL (for example "
            + "http://localhost:8000/v1). Check the URL in your model settings.";

    static Target of(ModelEndpoint endpoint) {
        return new Target(chatCompletionsUrl(endpoint.url()), endpoint.model());
    }

    /**
     * Accepts a base URL ({@code http://h:8000/v1}, with or without a trailing slash) or the full
     * {@code …/chat/completions} URL, and returns the latter; query parameters are kept.
     */
    static HttpUrl chatCompletionsUrl(String raw) {
        HttpUrl url = raw == null ? null : HttpUrl.parse(raw.strip());
        if (url == null) {
            throw new ModelException(ModelFailure.REJECTED, NOT_HTTP_URL);
        }
        String path = url.encodedPath();
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        if (!path.endsWith(SUFFIX)) path += SUFFIX;
        return url.newBuilder().encodedPath(path).build();
    }

    String hostPort() {
        return url.host() + ":" + url.port();
    }

    /** Host, port and path: safe to log and to show (no query, no user info). */
    String display() {
        return hostPort() + url.encodedPath();
    }
}
