package dev.llmchat.llm;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatModel;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.llm.internal.OpenAiClient;
import dev.llmchat.llm.internal.Timeouts;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * A {@link ChatModel} for OpenAI-compatible servers (vLLM, llama.cpp, Ollama, LiteLLM, OpenAI…), streaming
 * over server-sent events. Build one per application with {@link #create()} or {@link #builder()}, share it
 * by all users (every request names its own endpoint and key), and {@link #close()} it at shutdown. Endpoints
 * users chose themselves reach only what its {@link OutboundPolicy} allows. Failures arrive as
 * {@link dev.llmchat.core.ModelException}s whose messages an end user can act on.
 */
public final class OpenAiChatModel implements ChatModel, AutoCloseable {
    private final OpenAiClient client;

    private OpenAiChatModel(Builder b) {
        this.client = new OpenAiClient(b.okHttpClient, b.dns, b.outboundPolicy.destinations(),
                new Timeouts(b.connectTimeout, b.firstTokenTimeout, b.idleTimeout, b.totalTimeout), b.maxConcurrentCalls, b.userAgent,
                b.http2PriorKnowledge);
    }

    /** A model with the defaults of {@link Builder}. */
    public static OpenAiChatModel create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Asks for the whole reply and blocks until it arrives. @throws dev.llmchat.core.ModelException when the call fails */
    @Override
    public ChatCompletion complete(ChatRequest request) {
        return client.complete(request);
    }

    /** Starts a streamed reply and returns at once; the listener learns the outcome, the handle cancels it. */
    @Override
    public ChatStream stream(ChatRequest request, ChatStreamListener listener) {
        return client.stream(request, listener);
    }

    /** Stops accepting calls; running calls finish. Idle pooled connections are closed unless the pool was the caller's. */
    @Override
    public void close() {
        client.close();
    }

    /** Settings of an {@link OpenAiChatModel}; every timeout must be positive. */
    public static final class Builder {
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration firstTokenTimeout = Duration.ofSeconds(60);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration totalTimeout = Duration.ofMinutes(10);
        private int maxConcurrentCalls = 10_000;
        private String userAgent = "llm-chat";
        private OkHttpClient okHttpClient;
        private Dns dns;
        private OutboundPolicy outboundPolicy = OutboundPolicy.publicOnly();
        private Set<String> http2PriorKnowledge = Set.of();

        private Builder() {
        }

        /** Time to open a connection (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Time from sending a request to the first event of the reply, or for a whole reply to its response (default 60 s). */
        public Builder firstTokenTimeout(Duration timeout) {
            this.firstTokenTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Longest silence between two events of a stream (default 60 s). */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Longest whole call (default 10 min). */
        public Builder totalTimeout(Duration timeout) {
            this.totalTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Calls in flight at once, in total and per host (default 10 000); more wait in a queue. */
        public Builder maxConcurrentCalls(int calls) {
            if (calls < 1) throw new IllegalArgumentException("maxConcurrentCalls must be positive");
            this.maxConcurrentCalls = calls;
            return this;
        }

        public Builder userAgent(String userAgent) {
            if (userAgent == null || userAgent.isBlank()) throw new IllegalArgumentException("userAgent must not be blank");
            this.userAgent = userAgent;
            return this;
        }

        /**
         * A client whose connection pool (and other settings) to share; timeouts, redirects and dispatcher are ours.
         * Calls to untrusted endpoints leave its interceptors, authenticator and cookies out (they could carry the
         * operator's credentials to a user's server) and, unless the policy is unrestricted, its proxy too.
         */
        public Builder okHttpClient(OkHttpClient client) {
            this.okHttpClient = Objects.requireNonNull(client, "client");
            return this;
        }

        /** Where untrusted endpoints may connect (default {@link OutboundPolicy#publicOnly()}). */
        public Builder outboundPolicy(OutboundPolicy policy) {
            this.outboundPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The resolver for all calls (default: the shared client's, else the system's); untrusted ones get its answers filtered by the policy. */
        public Builder dns(Dns dns) {
            this.dns = Objects.requireNonNull(dns, "dns");
            return this;
        }

        /**
         * Plain-http model servers, as {@code host:port} (port 80 when left out), that speak HTTP/2 without TLS
         * (h2c with prior knowledge: vLLM or llama.cpp behind Envoy, hypercorn…). Calls to them share a few
         * multiplexed connections instead of holding a socket each, so a server relaying 10 000 streams needs
         * 10 000 sockets, not 20 000. Applies to trusted endpoints (the operator's presets) only; https servers
         * negotiate HTTP/2 by themselves (ALPN). Default: none.
         *
         * @throws IllegalArgumentException when an entry is not a host with an optional port
         */
        public Builder http2PriorKnowledge(Collection<String> hosts) {
            Set<String> parsed = new LinkedHashSet<>();
            for (String h : hosts) {
                String entry = Objects.requireNonNull(h, "host").strip();
                HttpUrl url = entry.isEmpty() || entry.matches(".*[/@?#\\s].*") ? null : HttpUrl.parse("http://" + entry);
                if (url == null) throw new IllegalArgumentException("not a host or host:port: '" + h + "'");
                parsed.add(url.host() + ":" + url.port()); // as dev.llmchat.llm.internal.Target#hostPort writes it
            }
            this.http2PriorKnowledge = Set.copyOf(parsed);
            return this;
        }

        /** @throws IllegalArgumentException when a timeout is not positive */
        public OpenAiChatModel build() {
            return new OpenAiChatModel(this);
        }
    }
}
