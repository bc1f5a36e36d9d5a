package dev.llmchat.llm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatStreamListener;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each layer of {@link Outbound} on its own, so that each is known to hold even where another would have caught it first. */
class OutboundTest {
    private final MockWebServer server = new MockWebServer();
    private final List<InetSocketAddress> connects = new CopyOnWriteArrayList<>();
    private final OkHttpClient plain = new OkHttpClient.Builder().eventListener(new EventListener() {
        @Override
        public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
            connects.add(address);
        }
    }).build();

    @BeforeEach
    void start() throws IOException {
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        plain.connectionPool().evictAll();
    }

    @Test
    void the_connection_check_stops_a_request_on_a_pooled_connection_to_a_forbidden_address() throws Exception {
        // given: a connection to 127.0.0.1, made without checks, idle in the pool
        server.enqueue(new MockResponse.Builder().body("first").build());
        server.enqueue(new MockResponse.Builder().body("second").build());
        try (Response first = plain.newCall(get()).execute()) {
            assertThat(first.body().string()).isEqualTo("first");
        }
        OkHttpClient checked = plain.newBuilder().addNetworkInterceptor(new Outbound.ConnectionCheck(Destinations.PUBLIC_ONLY)).build();

        // when
        IOException error = catchThrowableOfType(IOException.class, () -> checked.newCall(get()).execute().close());

        // then: the pooled connection was taken, checked and not used
        assertThat(error).isInstanceOf(BlockedAddressException.class);
        assertThat(((BlockedAddressException) error).kind()).isEqualTo(AddressKind.LOOPBACK);
        assertThat(connects).as("connections opened").hasSize(1);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://127.1:%d/", "http://2130706433:%d/", "http://0.0.0.0:%d/", "http://[::ffff:7f00:1]:%d/", "http://localhost:%d/"})
    void the_connection_check_alone_stops_ip_literals_that_okhttp_connects_without_dns(String template) {
        // given: neither the check before the call nor GuardedDns
        OkHttpClient checked = plain.newBuilder().addNetworkInterceptor(new Outbound.ConnectionCheck(Destinations.PUBLIC_ONLY)).build();
        Request request = new Request.Builder().url(template.formatted(server.getPort())).build();

        // when
        IOException error = catchThrowableOfType(IOException.class, () -> checked.newCall(request).execute().close());

        // then: connected, but nothing sent
        assertThat(error).isInstanceOf(BlockedAddressException.class);
        assertThat(connects).isNotEmpty();
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void the_connection_check_catches_a_name_that_resolves_to_a_forbidden_address_when_connecting() {
        // given: no GuardedDns, only the check; the name now resolves to loopback
        AtomicInteger lookups = new AtomicInteger();
        Dns rebound = host -> {
            lookups.incrementAndGet();
            return List.of(InetAddress.getLoopbackAddress());
        };
        OkHttpClient checked = plain.newBuilder().dns(rebound).addNetworkInterceptor(new Outbound.ConnectionCheck(Destinations.PUBLIC_ONLY)).build();

        // when
        IOException error = catchThrowableOfType(IOException.class,
                () -> checked.newCall(new Request.Builder().url("http://rebind.example:" + server.getPort() + "/").build()).execute().close());

        // then: blocked, not retried
        assertThat(error).isInstanceOf(BlockedAddressException.class);
        assertThat(server.getRequestCount()).isZero();
        assertThat(lookups).hasValue(1);
    }

    @Test
    void the_connection_check_lets_an_allowed_network_through() throws Exception {
        // given
        server.enqueue(new MockResponse.Builder().body("ok").build());
        Destinations local = Destinations.PUBLIC_ONLY.withNetworks(List.of("127.0.0.0/8"));
        OkHttpClient checked = plain.newBuilder().addNetworkInterceptor(new Outbound.ConnectionCheck(local)).build();

        // when
        try (Response response = checked.newCall(get()).execute()) {
            // then
            assertThat(response.body().string()).isEqualTo("ok");
        }
    }

    @Test
    void a_stream_stopped_by_the_connection_check_ends_once_as_blocked() throws Exception {
        // given
        OkHttpClient checked = plain.newBuilder().addNetworkInterceptor(new Outbound.ConnectionCheck(Destinations.PUBLIC_ONLY)).build();
        List<Object> outcomes = new CopyOnWriteArrayList<>();
        CompletableFuture<ModelException> ended = new CompletableFuture<>();
        ChatStreamListener listener = new ChatStreamListener() {
            @Override
            public void onDelta(String text) {
                outcomes.add(text);
            }

            @Override
            public void onComplete(ChatCompletion completion) {
                outcomes.add(completion);
            }

            @Override
            public void onError(ModelException error, String partialText) {
                outcomes.add(error);
                ended.complete(error);
            }
        };
        Target target = new Target(server.url("/v1/chat/completions"), "m");
        StreamCall call = new StreamCall(target, new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(5)), listener);

        // when
        call.start(EventSources.createFactory(checked), new Request.Builder().url(target.url()).build());

        // then
        ModelException error = ended.get(5, TimeUnit.SECONDS);
        assertThat(error.failure()).isEqualTo(ModelFailure.BLOCKED);
        assertThat(error.getMessage()).startsWith("The model URL points to a loopback address");
        Thread.sleep(50);
        assertThat(outcomes).containsExactly(error);
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void the_guarded_dns_drops_forbidden_answers_and_keeps_the_rest() throws Exception {
        // given
        Dns mixed = host -> List.of(ip("10.0.0.1"), ip("8.8.8.8"), ip("127.0.0.1"), ip("2606:4700::1111"));

        // when
        List<InetAddress> answers = new Outbound.GuardedDns(mixed, Destinations.PUBLIC_ONLY).lookup("mixed.example");

        // then
        assertThat(answers).containsExactly(ip("8.8.8.8"), ip("2606:4700::1111"));
    }

    @Test
    void the_guarded_dns_fails_when_every_answer_is_forbidden() {
        // given
        Dns local = host -> List.of(ip("169.254.169.254"), ip("10.0.0.1"));

        // when
        UnknownHostException error = catchThrowableOfType(UnknownHostException.class,
                () -> new Outbound.GuardedDns(local, Destinations.PUBLIC_ONLY).lookup("metadata.example"));

        // then
        assertThat(error).isInstanceOf(BlockedAddressException.class);
        assertThat(((BlockedAddressException) error).kind()).isEqualTo(AddressKind.METADATA);
    }

    @Test
    void the_guarded_dns_passes_every_answer_for_an_allowed_host() throws Exception {
        // given
        Dns lan = host -> List.of(ip("192.168.1.20"));
        Destinations destinations = Destinations.PUBLIC_ONLY.withHosts(List.of("GPU-Box.lan"));

        // when
        List<InetAddress> answers = new Outbound.GuardedDns(lan, destinations).lookup("gpu-box.lan");

        // then
        assertThat(answers).containsExactly(ip("192.168.1.20"));
    }

    private Request get() {
        return new Request.Builder().url(server.url("/")).build();
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
