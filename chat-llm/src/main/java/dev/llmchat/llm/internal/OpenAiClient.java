package dev.llmchat.llm.internal;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ChatStream;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import dev.llmchat.core.Usage;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.Dns;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSources;

/**
 * The implementation behind {@code dev.llmchat.llm.OpenAiChatModel}; not API. Owns one OkHttpClient
 * (virtual-thread dispatcher, no redirects) with variants that share its pool and dispatcher: one for
 * whole replies (read timeout = first-token timeout, call timeout = total timeout) and one for streams,
 * whose deadlines the {@link Watchdog} enforces; each again as the {@link Outbound} variant for endpoints
 * that are not trusted, and for trusted plain-http servers named as speaking HTTP/2 (h2c), a prior-knowledge
 * variant whose streams share a connection instead of holding a socket each.
 */
public final class OpenAiClient implements AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json");
    private static final ChatStream ENDED = () -> { };

    private final Timeouts timeouts;
    private final String userAgent;
    private final ExecutorService executor;
    private final ConnectionPool pool;
    private final boolean ownsPool;
    private final Destinations destinations;
    private final OkHttpClient blocking;
    private final EventSource.Factory events;
    private final OkHttpClient untrustedBlocking;
    private final EventSource.Factory untrustedEvents;
    private final Set<String> h2cHosts;
    private final OkHttpClient h2cBlocking;
    private final EventSource.Factory h2cEvents;
    private final Watchdog watchdog;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * {@code shared}: a caller's client whose pool (and settings) to reuse, or {@code null} for our own;
     * {@code dns}: the resolver, or {@code null} for the shared client's (else the system's);
     * {@code h2cHosts}: {@code host:port} (as {@link Target#hostPort()} writes it) of plain-http servers to speak HTTP/2 to with prior knowledge (trusted endpoints only).
     */
    public OpenAiClient(OkHttpClient shared, Dns dns, Destinations destinations, Timeouts timeouts, int maxConcurrentCalls, String userAgent,
                        Set<String> h2cHosts) {
        if (maxConcurrentCalls < 1) throw new IllegalArgumentException("maxConcurrentCalls must be positive");
        this.destinations = Objects.requireNonNull(destinations, "destinations");
        this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
        this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("llm-chat-http-", 0).factory());
        // OkHttp's defaults (64 calls, 5 per host) would queue streams behind each other
        Dispatcher dispatcher = new Dispatcher(executor);
        dispatcher.setMaxRequests(maxConcurrentCalls);
        dispatcher.setMaxRequestsPerHost(maxConcurrentCalls);
        this.ownsPool = shared == null;
        OkHttpClient.Builder builder = (shared == null ? new OkHttpClient.Builder().connectionPool(new ConnectionPool(100, 5, TimeUnit.MINUTES)) : shared.newBuilder())
                .dispatcher(dispatcher)
                // small writes (a prompt's last packet) must not wait ~40 ms for a delayed ACK (Nagle)
                .socketFactory(NoDelaySocketFactory.INSTANCE)
                .connectTimeout(timeouts.connect())
                .followRedirects(false)
                .followSslRedirects(false);
        if (dns != null) builder.dns(dns);
        OkHttpClient base = builder.build();
        OkHttpClient untrusted = Outbound.untrusted(base, destinations);
        this.pool = base.connectionPool();
        this.blocking = blocking(base, timeouts);
        this.events = events(base);
        this.untrustedBlocking = blocking(untrusted, timeouts);
        this.untrustedEvents = events(untrusted);
        this.h2cHosts = Set.copyOf(h2cHosts);
        // the pool keys connections by protocol list too, so these never share a connection with HTTP/1.1 calls
        OkHttpClient h2c = this.h2cHosts.isEmpty() ? null : base.newBuilder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
        this.h2cBlocking = h2c == null ? null : blocking(h2c, timeouts);
        this.h2cEvents = h2c == null ? null : events(h2c);
        this.watchdog = new Watchdog(timeouts.sweepInterval());
    }

    public ChatCompletion complete(ChatRequest request) {
        ensureOpen();
        Target target = Target.of(request.endpoint());
        Request http = httpRequest(target, request, false);
        boolean trusted = request.endpoint().trusted();
        long start = System.nanoTime();
        long first = 0;
        int status = 0;
        Usage usage = Usage.UNKNOWN;
        ModelException failure = null;
        try {
            if (!trusted) destinations.checkLiteral(target.url().host());
            try (Response response = (!trusted ? untrustedBlocking : h2c(target) ? h2cBlocking : blocking).newCall(http).execute()) {
                first = System.nanoTime();
                status = response.code();
                if (!response.isSuccessful()) throw Failures.fromResponse(target, response);
                ChatCompletion completion = Wire.parseCompletion(response.body().string());
                usage = completion.usage();
                return completion;
            }
        } catch (IOException e) {
            throw failure = Failures.fromIo(e, target, status != 0, timeouts.firstToken(), timeouts.total(), status);
        } catch (ModelException e) {
            throw failure = e;
        } finally {
            CallLog.ended(target, false, status, start, first, usage, failure);
        }
    }

    public ChatStream stream(ChatRequest request, ChatStreamListener listener) {
        Objects.requireNonNull(listener, "listener");
        ensureOpen();
        boolean trusted = request.endpoint().trusted();
        Target target;
        Request http;
        try {
            target = Target.of(request.endpoint());
            http = httpRequest(target, request, true);
        } catch (ModelException e) {
            listener.onError(e, "");
            return ENDED;
        }
        if (!trusted) {
            try {
                destinations.checkLiteral(target.url().host());
            } catch (ModelException e) {
                CallLog.ended(target, true, 0, System.nanoTime(), 0, Usage.UNKNOWN, e);
                listener.onError(e, "");
                return ENDED;
            }
        }
        StreamCall call = new StreamCall(target, timeouts, listener);
        call.start(!trusted ? untrustedEvents : h2c(target) ? h2cEvents : events, http);
        watchdog.watch(call);
        return call;
    }

    /** Stops the watchdog and the dispatcher's executor (running calls finish) and closes idle pooled connections. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        watchdog.close();
        executor.shutdown();
        if (ownsPool) pool.evictAll();
    }

    private boolean h2c(Target target) {
        return !h2cHosts.isEmpty() && !target.url().isHttps() && h2cHosts.contains(target.hostPort());
    }

    private static OkHttpClient blocking(OkHttpClient base, Timeouts timeouts) {
        return base.newBuilder().readTimeout(timeouts.firstToken()).callTimeout(timeouts.total()).build();
    }

    /**
     * Streams have no OkHttp read timeout: the watchdog enforces the first-token, idle and total limits and
     * cancels the call. A read timeout sets SO_TIMEOUT on the socket, which turns every blocking read of a virtual
     * thread into a timed park: a timer put into the scheduler and taken out again for each chunk (profiled: about
     * a tenth of the server's CPU with 64 paced streams).
     */
    private static EventSource.Factory events(OkHttpClient base) {
        return EventSources.createFactory(base.newBuilder()
                .readTimeout(Duration.ZERO)
                .callTimeout(Duration.ZERO)
                .build());
    }

    private Request httpRequest(Target target, ChatRequest request, boolean stream) {
        Request.Builder builder = new Request.Builder()
                .url(target.url())
                .header("User-Agent", userAgent)
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .post(RequestBody.create(Wire.requestBody(request, stream), JSON));
        String key = request.endpoint().apiKey().strip();
        if (!key.isEmpty()) {
            try {
                builder.header("Authorization", "Bearer " + key);
            } catch (IllegalArgumentException e) {
                // OkHttp redacts the value of Authorization in its message; we do not pass it on anyway
                throw new ModelException(ModelFailure.AUTHENTICATION, "The API key contains characters that cannot be sent "
                        + "(such as line breaks or non-ASCII letters). Check the API key in your model settings.");
            }
        }
        return builder.build();
    }

    private void ensureOpen() {
        if (closed.get()) throw new IllegalStateException("this OpenAiChatModel is closed");
    }
}
