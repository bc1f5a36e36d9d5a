package dev.llmchat.llm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;

/** A chunked event-stream body written step by step with pauses; notes when the client has gone away. */
final class ScriptedBody implements MockResponseBody {
    private final List<Object> steps = new ArrayList<>();
    final CountDownLatch clientGone = new CountDownLatch(1);

    ScriptedBody send(String... events) {
        steps.add(String.join("", events));
        return this;
    }

    ScriptedBody pause(Duration d) {
        steps.add(d);
        return this;
    }

    /** {@code times} × (pause, events): a server that keeps talking. */
    ScriptedBody repeat(int times, Duration every, String... events) {
        for (int i = 0; i < times; i++) pause(every).send(events);
        return this;
    }

    MockResponse response() {
        return new MockResponse.Builder()
                .addHeader("Content-Type", "text/event-stream")
                .body(this)
                .removeHeader("Content-Length")
                .addHeader("Transfer-Encoding", "chunked")
                .build();
    }

    @Override
    public long getContentLength() {
        return -1;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
        try {
            for (Object step : steps) {
                if (step instanceof Duration d) {
                    Thread.sleep(d.toMillis());
                } else {
                    byte[] bytes = ((String) step).getBytes(StandardCharsets.UTF_8);
                    sink.writeUtf8(Integer.toHexString(bytes.length)).writeUtf8("\r\n").write(bytes).writeUtf8("\r\n").flush();
                }
            }
            // MockWebServer writes the (empty) trailers and the final CRLF itself
            sink.writeUtf8("0\r\n").flush();
        } catch (IOException e) {
            clientGone.countDown();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
