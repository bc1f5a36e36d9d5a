package dev.llmchat.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ModelEndpoint;
import dev.llmchat.core.ModelException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Plain-http servers named as speaking HTTP/2: one connection carries every stream at once. */
class Http2PriorKnowledgeTest {
    private static final int STREAMS = 20;

    private final MockWebServer server = new MockWebServer();

    @BeforeEach
    void start() throws Exception {
        server.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)); // speaks nothing else: an HTTP/1.1 call would fail
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void streams_to_an_h2c_server_share_one_connection_at_the_same_time() throws Exception {
        // given: no stream is answered before all of them have arrived
        CountDownLatch allArrived = new CountDownLatch(STREAMS);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                allArrived.countDown();
                allArrived.await(10, TimeUnit.SECONDS);
                return Sse.stream(Sse.role(), Sse.text("hi"), Sse.finish("stop"), Sse.done());
            }
        });

        try (OpenAiChatModel model = OpenAiChatModel.builder().http2PriorKnowledge(List.of(server.getHostName() + ":" + server.getPort())).build()) {
            // when
            List<RecordingListener> listeners = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                RecordingListener listener = new RecordingListener();
                listeners.add(listener);
                model.stream(Sse.request(server.url("/v1").toString()), listener);
            }

            // then
            for (RecordingListener listener : listeners) assertThat(listener.awaitCompletion().text()).isEqualTo("hi");
            assertThat(allArrived.getCount()).isZero();
            // one connection carried them all (two first calls may race to connect, and OkHttp drops the loser before using it)
            Set<Integer> connections = new HashSet<>();
            for (int i = 0; i < STREAMS; i++) connections.add(server.takeRequest().getConnectionIndex());
            assertThat(connections).hasSize(1);
        }
    }

    @Test
    void whole_replies_go_over_http2_too() throws Exception {
        // given
        Sse.always(server, Sse.json(200, Sse.completion("\"hello\"", "stop")));

        // when
        try (OpenAiChatModel model = OpenAiChatModel.builder().http2PriorKnowledge(List.of(server.getHostName() + ":" + server.getPort())).build()) {
            String text = model.complete(Sse.request(server.url("/v1").toString())).text();

            // then
            assertThat(text).isEqualTo("hello");
            assertThat(server.takeRequest().getVersion()).isEqualTo("HTTP/2");
        }
    }

    @Test
    void only_the_named_host_and_port_and_only_trusted_endpoints_use_it() throws Exception {
        // given: the h2c server is named on another port, then the right port for an endpoint a user chose
        String url = server.url("/v1").toString();
        try (OpenAiChatModel other = OpenAiChatModel.builder().http2PriorKnowledge(List.of(server.getHostName() + ":" + (server.getPort() + 1))).build();
             OpenAiChatModel right = OpenAiChatModel.builder().outboundPolicy(OutboundPolicy.unrestricted())
                     .http2PriorKnowledge(List.of(server.getHostName() + ":" + server.getPort())).build()) {
            Sse.always(server, Sse.json(200, Sse.completion("\"hello\"", "stop")));

            // when / then: HTTP/1.1 to a server that speaks only HTTP/2 fails
            assertThatThrownBy(() -> other.complete(Sse.request(url))).isInstanceOf(ModelException.class);
            ChatRequest untrusted = new ChatRequest(new ModelEndpoint(url, "m", "", 8192, false), Sse.request(url).messages(), 0.7, 16);
            assertThatThrownBy(() -> right.complete(untrusted)).isInstanceOf(ModelException.class);
            assertThat(right.complete(Sse.request(url)).text()).isEqualTo("hello");
        }
    }

    @Test
    void an_entry_that_is_not_a_host_and_port_is_refused() {
        for (String bad : List.of("", "http://gpu1:8000", "gpu1:8000/v1", "user@gpu1:8000", "gpu1:99999", "gpu 1:8000")) {
            assertThatThrownBy(() -> OpenAiChatModel.builder().http2PriorKnowledge(List.of(bad)))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a host");
        }
        assertThat(OpenAiChatModel.builder().http2PriorKnowledge(List.of("GPU1", "[::1]:8000", " gpu2:8001 "))).isNotNull();
    }
}
