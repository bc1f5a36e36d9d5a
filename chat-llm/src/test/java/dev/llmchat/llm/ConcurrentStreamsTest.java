package dev.llmchat.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmchat.core.ChatCompletion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;

class ConcurrentStreamsTest {
    private static final int STREAMS = 50;

    @Test
    void runs_fifty_streams_to_one_host_at_the_same_time() throws Exception {
        // given: every reply lasts a second
        try (MockWebServer server = new MockWebServer(); OpenAiChatModel model = OpenAiChatModel.create()) {
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    return new ScriptedBody().send(Sse.role(), Sse.text("hi")).pause(Duration.ofSeconds(1)).send(Sse.finish("stop"), Sse.done()).response();
                }
            });
            server.start();
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger maxInFlight = new AtomicInteger();
            List<RecordingListener> listeners = new ArrayList<>();

            // when
            for (int i = 0; i < STREAMS; i++) {
                RecordingListener listener = new RecordingListener() {
                    @Override
                    public void onDelta(String text) {
                        super.onDelta(text);
                        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    }

                    @Override
                    public void onComplete(ChatCompletion completion) {
                        inFlight.decrementAndGet();
                        super.onComplete(completion);
                    }
                };
                listeners.add(listener);
                model.stream(Sse.request(server.url("/v1").toString()), listener);
            }

            // then
            for (RecordingListener listener : listeners) assertThat(listener.awaitCompletion().text()).isEqualTo("hi");
            assertThat(maxInFlight).hasValue(STREAMS);
            assertThat(server.getRequestCount()).isEqualTo(STREAMS);
        }
    }
}
