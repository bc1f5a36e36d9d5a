package dev.llmchat.bench;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RateControl;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A fake OpenAI-compatible model server: {@code POST …/chat/completions} streams the {@link Script} found in
 * the request (vLLM's framing: a role-only first chunk, one chunk per piece of text, a chunk with
 * {@code finish_reason}, then {@code [DONE]}) or, without {@code "stream": true}, answers the whole reply as
 * one JSON object. JDK HttpServer (HTTP/1.1), or with {@code h2c} Jetty speaking only HTTP/2 without TLS
 * (prior knowledge), where many streams share a connection; one virtual thread per exchange either way, so
 * it holds as many streams as there are file descriptors (HTTP/1.1) or as memory allows (h2c). Chunks follow an absolute schedule (first + i × gap after the request), so pacing does
 * not drift; when asked to, it records when each chunk of a stream left (after its flush), by script id.
 */
final class FakeUpstream implements AutoCloseable {
    static {
        // read once by the JDK server's configuration: Nagle would hold small chunks back, and the default keeps only 200 idle connections
        System.setProperty("sun.net.httpserver.nodelay", "true");
        System.setProperty("sun.net.httpserver.maxIdleConnections", "20000");
    }

    static final Script DEFAULT = new Script(8, 0, 0, 0);
    private static final byte[][] PIECE_JSON = new byte[Script.PIECES.length][];
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    static {
        for (int i = 0; i < Script.PIECES.length; i++) {
            PIECE_JSON[i] = new String(JsonStringEncoder.getInstance().quoteAsString(Script.PIECES[i])).getBytes(StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final Server jetty;
    private final String host;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ConcurrentHashMap<Long, long[]> sentAt = new ConcurrentHashMap<>();
    private final AtomicLong streams = new AtomicLong();
    private final AtomicLong completions = new AtomicLong();
    private volatile boolean recording;

    FakeUpstream(String host, int port) throws IOException {
        this(host, port, false);
    }

    FakeUpstream(String host, int port, boolean h2c) throws IOException {
        this.host = host;
        if (h2c) {
            server = null;
            jetty = new Server();
            HTTP2CServerConnectionFactory h2 = new HTTP2CServerConnectionFactory(new HttpConfiguration());
            h2.setMaxConcurrentStreams(1024);
            // Jetty's guard against floods of frames (rapid reset) would close a connection that thousands of streams start on at once
            h2.setRateControlFactory(new RateControl.Factory() {
                @Override
                public RateControl newRateControl(EndPoint endPoint) {
                    return RateControl.NO_RATE_CONTROL;
                }
            });
            ServerConnector connector = new ServerConnector(jetty, 1, 1, h2);
            connector.setHost(host);
            connector.setPort(port);
            connector.setAcceptQueueSize(8192);
            connector.setIdleTimeout(600_000);
            jetty.addConnector(connector);
            jetty.setHandler(new Handler.Abstract() {
                @Override
                public boolean handle(Request request, Response response, Callback callback) {
                    executor.execute(() -> {
                        try {
                            FakeUpstream.this.handle(request.getMethod(), request.getHttpURI().getPath(), Content.Source.asInputStream(request), new Exchange() {
                                @Override
                                public OutputStream start(int status, String contentType, long length) {
                                    response.setStatus(status);
                                    if (contentType != null) response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
                                    if (length >= 0) response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
                                    // one DATA frame per flush, as the JDK server sends one chunk per flush
                                    return new BufferedOutputStream(Content.Sink.asOutputStream(response), 8192);
                                }
                            });
                            callback.succeeded();
                        } catch (Throwable e) {
                            callback.failed(e);
                        }
                    });
                    return true;
                }
            });
            try {
                jetty.start();
            } catch (Exception e) {
                throw new IOException("cannot start the h2c fake upstream", e);
            }
        } else {
            jetty = null;
            server = HttpServer.create(new InetSocketAddress(host, port), 8192);
            server.setExecutor(executor);
            server.createContext("/", ex -> {
                try (ex) {
                    handle(ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestBody(), (status, contentType, length) -> {
                        if (contentType != null) ex.getResponseHeaders().set("Content-Type", contentType);
                        ex.sendResponseHeaders(status, length == 0 ? -1 : length < 0 ? 0 : length);
                        return ex.getResponseBody();
                    });
                }
            });
            server.start();
        }
    }

    /** The response side of an exchange, for either server. */
    private interface Exchange {
        /** Sends the status line and headers; {@code length} -1 when unknown (streamed). */
        OutputStream start(int status, String contentType, long length) throws IOException;
    }

    int port() {
        return server != null ? server.getAddress().getPort() : ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
    }

    String baseUrl() {
        return "http://" + host + ":" + port() + "/v1";
    }

    /** Whether to keep the departure times of each stream's chunks (only the load driver reads them). */
    void recording(boolean on) {
        recording = on;
    }

    /** The departure times (System.nanoTime, after flush) of the chunks of stream {@code id}, forgotten once read. */
    long[] takeSentTimes(long id) {
        return sentAt.remove(id);
    }

    long streamsServed() {
        return streams.get();
    }

    long completionsServed() {
        return completions.get();
    }

    private void handle(String method, String path, InputStream request, Exchange ex) throws IOException {
        long start = System.nanoTime();
        byte[] body;
        try (request) {
            body = request.readAllBytes();
        }
        if (!"POST".equals(method) || !path.endsWith("/chat/completions")) {
            ex.start(404, null, 0).close();
            return;
        }
        Script script = Script.find(body, body.length, DEFAULT);
        if (contains(body, "\"stream\":true") || contains(body, "\"stream\": true")) {
            streams.incrementAndGet();
            stream(ex, script, start);
        } else {
            completions.incrementAndGet();
            whole(ex, script, start);
        }
    }

    private void stream(Exchange ex, Script s, long start) throws IOException {
        try (OutputStream out = ex.start(200, "text/event-stream; charset=utf-8", -1)) {
            stream(out, s, start);
        }
    }

    private void stream(OutputStream out, Script s, long start) throws IOException {
        String head = "data: {\"id\":\"chatcmpl-" + s.id() + "\",\"object\":\"chat.completion.chunk\",\"created\":"
                + System.currentTimeMillis() / 1000 + ",\"model\":\"fake\",\"choices\":[{\"index\":0,\"delta\":";
        byte[] prefix = (head + "{\"content\":\"").getBytes(StandardCharsets.UTF_8);
        byte[] suffix = "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n".getBytes(StandardCharsets.US_ASCII);
        byte[] role = (head + "{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8);
        byte[] finish = (head + "{},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8);
        if (s.gapMicros() < 0) {
            // the whole stream in one write: what a client's parser costs, without our pacing in the way
            ByteArrayOutputStream all = new ByteArrayOutputStream(s.chunks() * (prefix.length + suffix.length + 8) + 512);
            all.write(role);
            for (int i = 0; i < s.chunks(); i++) {
                all.write(prefix);
                all.write(PIECE_JSON[pieceIndex(s.id(), i)]);
                all.write(suffix);
            }
            all.write(finish);
            all.write(DONE);
            waitUntil(start + s.firstMicros() * 1000);
            all.writeTo(out);
            out.flush();
            return;
        }
        out.write(role);
        out.flush();
        long[] times = recording && s.id() != 0 ? new long[s.chunks()] : null;
        long first = start + s.firstMicros() * 1000;
        for (int i = 0; i < s.chunks(); i++) {
            waitUntil(first + i * s.gapMicros() * 1000);
            out.write(prefix);
            out.write(PIECE_JSON[pieceIndex(s.id(), i)]);
            out.write(suffix);
            out.flush();
            if (times != null) times[i] = System.nanoTime();
        }
        if (times != null) sentAt.put(s.id(), times);
        out.write(finish);
        out.write(DONE);
        out.flush();
    }

    private void whole(Exchange ex, Script s, long start) throws IOException {
        String text = s.text();
        byte[] json = ("{\"id\":\"chatcmpl-" + s.id() + "\",\"object\":\"chat.completion\",\"created\":" + System.currentTimeMillis() / 1000
                + ",\"model\":\"fake\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                + new String(JsonStringEncoder.getInstance().quoteAsString(text))
                + "\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":"
                + s.chunks() + ",\"total_tokens\":" + (100 + s.chunks()) + "}}").getBytes(StandardCharsets.UTF_8);
        waitUntil(start + s.firstMicros() * 1000);
        try (OutputStream out = ex.start(200, "application/json", json.length)) {
            out.write(json);
        }
    }

    private static int pieceIndex(long id, int i) {
        return (int) Math.floorMod(id * 7 + i, (long) Script.PIECES.length);
    }

    static void waitUntil(long deadline) {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) LockSupport.parkNanos(left);
    }

    private static boolean contains(byte[] hay, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = hay.length - n.length; i >= 0; i--) { // "stream" comes last in the bodies clients send
            for (int j = 0; j < n.length; j++) if (hay[i + j] != n[j]) continue outer;
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        if (server != null) server.stop(0);
        try {
            if (jetty != null) jetty.stop();
        } catch (Exception e) {
            // stopping a fake at the end of a run: nothing to do about it
        }
        executor.shutdownNow();
    }

    /**
     * Runs a fake upstream on its own: {@code FakeUpstream [host] [port] [h2c]}; prints its base URL, stops on
     * stdin EOF or SIGTERM.
     */
    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        FakeUpstream fake = new FakeUpstream(host, port, args.length > 2 && args[2].equals("h2c"));
        Runtime.getRuntime().addShutdownHook(new Thread(fake::close));
        System.out.println(fake.baseUrl());
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the parent closes our stdin
        }
        fake.close();
    }
}
