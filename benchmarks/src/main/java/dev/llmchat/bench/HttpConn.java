package dev.llmchat.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * One persistent HTTP/1.1 connection of the load driver, on a plain blocking socket (each client runs on its own
 * virtual thread). Kept minimal on purpose: no copies between the socket and the SSE parser, and the time of
 * every socket read is known, so an event is timestamped when the read that completed it returned (not when a
 * library got round to handing it over). Understands Content-Length and chunked bodies, reconnects when the
 * peer closed an idle connection.
 */
final class HttpConn implements AutoCloseable {
    private static final long IDLE_RECONNECT_NANOS = 10_000_000_000L;

    /** Receives the events of an SSE body; {@code at} is the System.nanoTime of the socket read that completed the event. */
    interface EventSink {
        void event(byte[] bytes, int length, long at);
    }

    record Head(int status, long contentLength, boolean chunked, boolean close) {
    }

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private long lastFill;
    private long lastUsed;
    private boolean reused;
    private byte[] event = new byte[1024];
    private int eventLength;

    HttpConn(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Writes one request; returns System.nanoTime just before the write. */
    long send(String method, String path, String bearer, byte[] body) throws IOException {
        if (socket != null && System.nanoTime() - lastUsed > IDLE_RECONNECT_NANOS) close();
        if (socket == null) open();
        StringBuilder h = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ")
                .append(host).append(':').append(port).append("\r\nAccept: */*\r\n");
        if (bearer != null) h.append("Authorization: Bearer ").append(bearer).append("\r\n");
        if (body != null) h.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        h.append("\r\n");
        byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = body == null ? head : Arrays.copyOf(head, head.length + body.length);
        if (body != null) System.arraycopy(body, 0, all, head.length, body.length);
        long t0 = System.nanoTime();
        out.write(all);
        out.flush();
        return t0;
    }

    /** Whether a failure of this request may be retried on a new connection (the old one had served requests: the peer may have closed it). */
    boolean wasReused() {
        return reused;
    }

    Head readHead() throws IOException {
        String status = readLine();
        if (!status.startsWith("HTTP/1.")) throw new IOException("not an HTTP response: " + status);
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = status.startsWith("HTTP/1.0");
        for (String line; !(line = readLine()).isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                default -> { }
            }
        }
        return new Head(code, length, chunked, close);
    }

    /** The whole body. */
    byte[] readBody(Head head) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        body(head, (b, off, len) -> all.write(b, off, len));
        return all.toByteArray();
    }

    /** The body as SSE events ({@code \n\n}-separated), each handed over as soon as it is complete. */
    void readEvents(Head head, EventSink sink) throws IOException {
        eventLength = 0;
        body(head, (b, off, len) -> {
            for (int i = off, end = off + len; i < end; i++) {
                byte c = b[i];
                if (c == '\r') continue;
                if (c == '\n' && eventLength > 0 && event[eventLength - 1] == '\n') {
                    sink.event(event, eventLength - 1, lastFill);
                    eventLength = 0;
                    continue;
                }
                if (eventLength == event.length) event = Arrays.copyOf(event, event.length * 2);
                event[eventLength++] = c;
            }
        });
    }

    private interface Block {
        void accept(byte[] b, int off, int len) throws IOException;
    }

    private void body(Head head, Block block) throws IOException {
        if (head.chunked()) {
            while (true) {
                String line = readLine();
                int semi = line.indexOf(';');
                int size = Integer.parseInt((semi < 0 ? line : line.substring(0, semi)).strip(), 16);
                if (size == 0) {
                    while (!readLine().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                copy(size, block);
                readLine();
            }
        } else if (head.contentLength() >= 0) {
            copy(head.contentLength(), block);
        } else {
            try {
                while (true) {
                    if (pos == lim) fill();
                    block.accept(buf, pos, lim - pos);
                    pos = lim;
                }
            } catch (EOFException end) {
                close();
                return;
            }
        }
        lastUsed = System.nanoTime();
        reused = true;
        if (head.close()) close();
    }

    private void copy(long n, Block block) throws IOException {
        while (n > 0) {
            if (pos == lim) fill();
            int k = (int) Math.min(n, lim - pos);
            block.accept(buf, pos, k);
            pos += k;
            n -= k;
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            if (pos == lim) fill();
            byte c = buf[pos++];
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') sb.setLength(n - 1);
                return sb.toString();
            }
            sb.append((char) (c & 0xff));
        }
    }

    private void fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        lastFill = System.nanoTime();
        if (n < 0) throw new EOFException("connection closed by " + host + ":" + port);
        pos = 0;
        lim = n;
    }

    private void open() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        pos = 0;
        lim = 0;
        reused = false;
        lastUsed = System.nanoTime();
    }

    @Override
    public void close() {
        if (socket == null) return;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        socket = null;
    }
}
