package dev.llmchat.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmchat.core.ChatCompletion;
import dev.llmchat.core.ChatMessage;
import dev.llmchat.core.ChatRequest;
import dev.llmchat.core.ModelEndpoint;
import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import dev.llmchat.core.Role;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Endpoints users chose ({@code trusted} false) against real sockets: a server on 127.0.0.1 (and ::1 on the same
 * port where the machine has IPv6) that counts every request, so a spelling that slipped through would show.
 */
class UntrustedEndpointTest {
    private static final String BLOCKED_TAIL = "which this server does not call for custom models. Ask the operator to allow it.";
    private static final OutboundPolicy LOOPBACK_ALLOWED = OutboundPolicy.publicOnly().allowNetworks(List.of("127.0.0.0/8", "::1/128"));

    enum Mode { COMPLETE, STREAM }

    private final MockWebServer server = new MockWebServer();
    private final MockWebServer server6 = new MockWebServer();
    private boolean ipv6;
    private int port;
    private OpenAiChatModel model;

    @BeforeEach
    void start() throws IOException {
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        port = server.getPort();
        try {
            server6.start(InetAddress.getByName("::1"), port);
            ipv6 = true;
        } catch (IOException e) {
            ipv6 = false; // no IPv6 loopback here: [::1] then reaches nothing either way
        }
        Sse.always(server, Sse.json(200, Sse.completion("\"hi\"", "stop")));
        if (ipv6) Sse.always(server6, Sse.json(200, Sse.completion("\"hi\"", "stop")));
    }

    @AfterEach
    void stop() {
        if (model != null) model.close();
        server.close();
        server6.close();
    }

    static Stream<Arguments> localSpellings() {
        List<String[]> spellings = List.of(
                new String[] {"http://127.0.0.1:%d/v1", "a loopback address"},
                new String[] {"http://127.1:%d/v1", "a loopback address"},
                new String[] {"http://2130706433:%d/v1", "a loopback address"},
                new String[] {"http://0x7f.1:%d/v1", "a loopback address"},
                new String[] {"http://0177.0.0.1:%d/v1", "a loopback address"},
                new String[] {"http://017700000001:%d/v1", "a loopback address"},
                new String[] {"http://127.0.0.1.:%d/v1", "a loopback address"},
                new String[] {"http://[::1]:%d/v1", "a loopback address"},
                new String[] {"http://[::ffff:7f00:1]:%d/v1", "a loopback address"},
                new String[] {"http://[::127.0.0.1]:%d/v1", "a loopback address"},
                new String[] {"http://[64:ff9b::127.0.0.1]:%d/v1", "a loopback address"},
                new String[] {"http://１２７.０.０.１:%d/v1", "a loopback address"},
                new String[] {"http://①②⑦.0.0.1:%d/v1", "a loopback address"},
                new String[] {"http://0.0.0.0:%d/v1", "an unspecified (0.0.0.0 or ::) address"},
                new String[] {"http://0:%d/v1", "an unspecified (0.0.0.0 or ::) address"},
                new String[] {"http://[::]:%d/v1", "an unspecified (0.0.0.0 or ::) address"},
                new String[] {"http://localhost:%d/v1", "a loopback address"},
                new String[] {"http://169.254.169.254/v1", "a cloud metadata address"},
                new String[] {"http://100.64.0.1/v1", "a carrier-grade NAT address"},
                new String[] {"http://10.0.0.1/v1", "a private network address"},
                new String[] {"http://[fd00::1]/v1", "a private network address"},
                new String[] {"http://[fe80::1]/v1", "a link-local address"});
        return spellings.stream().flatMap(s -> Stream.of(Mode.values()).map(m -> Arguments.of(s[0], s[1], m)));
    }

    @ParameterizedTest(name = "{0} ({2})")
    @MethodSource("localSpellings")
    void blocks_every_spelling_of_a_local_address_before_any_request(String template, String what, Mode mode) {
        // given
        model = OpenAiChatModel.create();

        // when
        ModelException error = failure(mode, untrusted(template.formatted(port), ""));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.BLOCKED);
        assertThat(error.getMessage()).isEqualTo("The model URL points to " + what + ", " + BLOCKED_TAIL);
        assertThat(error.upstreamStatus()).isZero();
        assertNothingReached();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reachableSpellings")
    void the_same_spellings_reach_the_server_when_trusted_so_the_blocking_is_what_stops_them(String template) {
        // given
        assumeTrue(ipv6 || !template.contains("[::1]"), "no IPv6 loopback on this machine");
        model = OpenAiChatModel.create();

        // when
        ChatCompletion completion = model.complete(request(template.formatted(port), "", true));

        // then
        assertThat(completion.text()).isEqualTo("hi");
        assertThat(server.getRequestCount() + server6.getRequestCount()).isEqualTo(1);
    }

    static Stream<String> reachableSpellings() {
        return Stream.of("http://127.0.0.1:%d/v1", "http://127.1:%d/v1", "http://2130706433:%d/v1", "http://[::1]:%d/v1",
                "http://[::ffff:7f00:1]:%d/v1", "http://0.0.0.0:%d/v1", "http://localhost:%d/v1");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void blocks_a_name_that_resolved_public_when_saved_and_resolves_to_loopback_when_called(Mode mode) {
        // given: DNS rebinding, a public answer for the check at saving time, loopback ever after
        AtomicInteger lookups = new AtomicInteger();
        Dns rebinding = host -> {
            if (!host.equals("rebind.example")) throw new UnknownHostException(host);
            return List.of(InetAddress.getByName(lookups.getAndIncrement() == 0 ? "93.184.215.14" : "127.0.0.1"));
        };
        model = OpenAiChatModel.builder().dns(rebinding).build();
        String url = "http://rebind.example:" + port + "/v1";
        assertThat(OutboundPolicy.publicOnly().refusal(url, rebinding)).as("refusal when saved").isEmpty();

        // when
        ModelException error = failure(mode, untrusted(url, ""));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.BLOCKED);
        assertThat(error.getMessage()).startsWith("The model URL points to a loopback address");
        assertThat(lookups).hasValue(2);
        assertNothingReached();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void fails_before_connecting_so_a_closed_port_and_an_open_one_look_the_same(Mode mode) throws IOException {
        // given: a port nobody listens on, which would otherwise answer "connection refused"
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = socket.getLocalPort();
        }
        model = OpenAiChatModel.create();

        // when
        ModelException error = failure(mode, untrusted("http://127.0.0.1:" + closed + "/v1", ""));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.BLOCKED);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void reaches_loopback_once_the_operator_allows_its_network(Mode mode) {
        // given
        model = OpenAiChatModel.builder().outboundPolicy(OutboundPolicy.publicOnly().allowNetworks(List.of("127.0.0.0/8"))).build();

        // when
        ChatCompletion completion = success(mode, untrusted(server.url("/v1").toString(), ""));

        // then
        assertThat(completion.text()).isEqualTo("hi");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void reaches_an_allowed_host_name_but_not_its_address_spelled_out() {
        // given
        model = OpenAiChatModel.builder().outboundPolicy(OutboundPolicy.publicOnly().allowHosts(List.of("localhost"))).build();

        // when
        ChatCompletion byName = model.complete(untrusted("http://localhost:" + port + "/v1", ""));
        ModelException byAddress = failure(Mode.COMPLETE, untrusted("http://127.0.0.1:" + port + "/v1", ""));

        // then
        assertThat(byName.text()).isEqualTo("hi");
        assertThat(byAddress.failure()).isEqualTo(ModelFailure.BLOCKED);
        assertThat(server.getRequestCount() + server6.getRequestCount()).isEqualTo(1);
    }

    @Test
    void connects_only_to_the_allowed_answers_of_a_name() {
        // given: a name with a private answer first and an allowed one second
        List<InetSocketAddress> connects = new CopyOnWriteArrayList<>();
        OkHttpClient shared = new OkHttpClient.Builder().eventListener(new EventListener() {
            @Override
            public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
                connects.add(address);
            }
        }).build();
        Dns mixed = host -> List.of(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("127.0.0.1"));
        model = OpenAiChatModel.builder().okHttpClient(shared).dns(mixed)
                .outboundPolicy(OutboundPolicy.publicOnly().allowNetworks(List.of("127.0.0.1/32"))).build();

        // when
        ChatCompletion completion = model.complete(untrusted("http://mixed.example:" + port + "/v1", ""));

        // then
        assertThat(completion.text()).isEqualTo("hi");
        assertThat(connects).extracting(a -> a.getAddress().getHostAddress()).containsExactly("127.0.0.1");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void does_not_follow_a_redirect_to_the_metadata_service(Mode mode) {
        // given
        Sse.always(server, new MockResponse.Builder().code(302).addHeader("Location", "http://169.254.169.254/latest/meta-data").build());
        model = OpenAiChatModel.builder().outboundPolicy(LOOPBACK_ALLOWED).build();

        // when
        ModelException error = failure(mode, untrusted(server.url("/v1").toString(), ""));

        // then
        assertThat(error.failure()).isIn(ModelFailure.REJECTED, ModelFailure.BLOCKED);
        assertThat(error.getMessage()).contains("Redirects are not followed");
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void keeps_trusted_endpoints_on_loopback_working(Mode mode) {
        // given: the default policy, which only concerns untrusted endpoints
        model = OpenAiChatModel.create();

        // when
        ChatCompletion completion = success(mode, request(server.url("/v1").toString(), "", true));

        // then
        assertThat(completion.text()).isEqualTo("hi");
    }

    @Test
    void checks_an_untrusted_call_even_when_a_trusted_one_left_a_connection_to_the_same_address_in_the_pool() {
        // given
        model = OpenAiChatModel.create();
        model.complete(request(server.url("/v1").toString(), "", true));

        // when
        ModelException error = failure(Mode.COMPLETE, untrusted(server.url("/v1").toString(), ""));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.BLOCKED);
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Mode.class)
    void refuses_schemes_other_than_http_and_https(Mode mode) {
        // given
        model = OpenAiChatModel.create();

        // when
        ModelException error = failure(mode, untrusted("ftp://127.0.0.1:" + port + "/v1", ""));

        // then
        assertThat(error.failure()).isEqualTo(ModelFailure.REJECTED);
        assertThat(error.getMessage()).contains("not a valid http:// or https:// URL");
        assertNothingReached();
    }

    @Test
    void ignores_the_shared_clients_proxy_for_untrusted_calls() throws IOException {
        try (MockWebServer proxy = new MockWebServer()) {
            // given: a shared client that sends everything through a proxy
            Sse.always(proxy, Sse.json(200, Sse.completion("\"via proxy\"", "stop")));
            proxy.start(InetAddress.getByName("127.0.0.1"), 0);
            OkHttpClient shared = new OkHttpClient.Builder().proxy(proxy.getProxyAddress()).build();
            model = OpenAiChatModel.builder().okHttpClient(shared).outboundPolicy(LOOPBACK_ALLOWED).build();
            String url = server.url("/v1").toString();

            // when
            ChatCompletion trusted = model.complete(request(url, "", true));
            ChatCompletion untrusted = model.complete(untrusted(url, ""));

            // then: the trusted call went by the proxy, the untrusted one straight to the checked address
            assertThat(trusted.text()).isEqualTo("via proxy");
            assertThat(untrusted.text()).isEqualTo("hi");
            assertThat(proxy.getRequestCount()).isEqualTo(1);
            assertThat(server.getRequestCount()).isEqualTo(1);
        }
    }

    @Test
    void ignores_a_proxy_set_by_system_properties_for_untrusted_calls() throws IOException {
        String[] keys = {"http.proxyHost", "http.proxyPort", "http.nonProxyHosts"};
        String[] saved = Stream.of(keys).map(System::getProperty).toArray(String[]::new);
        try (MockWebServer proxy = new MockWebServer()) {
            // given
            Sse.always(proxy, Sse.json(200, Sse.completion("\"via proxy\"", "stop")));
            proxy.start(InetAddress.getByName("127.0.0.1"), 0);
            System.setProperty("http.proxyHost", "127.0.0.1");
            System.setProperty("http.proxyPort", Integer.toString(proxy.getPort()));
            System.setProperty("http.nonProxyHosts", ""); // else the JDK exempts loopback
            model = OpenAiChatModel.builder().outboundPolicy(LOOPBACK_ALLOWED).build();
            String url = server.url("/v1").toString();

            // when
            ChatCompletion trusted = model.complete(request(url, "", true));
            ChatCompletion untrusted = model.complete(untrusted(url, ""));

            // then
            assertThat(trusted.text()).isEqualTo("via proxy");
            assertThat(untrusted.text()).isEqualTo("hi");
            assertThat(proxy.getRequestCount()).isEqualTo(1);
            assertThat(server.getRequestCount()).isEqualTo(1);
        } finally {
            for (int i = 0; i < keys.length; i++) {
                if (saved[i] == null) System.clearProperty(keys[i]);
                else System.setProperty(keys[i], saved[i]);
            }
        }
    }

    @Test
    void sends_an_untrusted_endpoint_only_its_own_key() throws Exception {
        // given: a shared client whose interceptors and authenticator carry the operator's secrets
        OkHttpClient shared = new OkHttpClient.Builder()
                .addInterceptor(chain -> chain.proceed(chain.request().newBuilder().header("Authorization", "Bearer operator-secret").build()))
                .addNetworkInterceptor(chain -> chain.proceed(chain.request().newBuilder().header("X-Operator", "operator-secret").build()))
                .authenticator((route, response) -> response.request().header("X-Operator-Auth") != null ? null
                        : response.request().newBuilder().header("X-Operator-Auth", "operator-secret").build())
                .build();
        Sse.always(server, Sse.json(401, "{\"error\":{\"message\":\"who are you\"}}"));
        model = OpenAiChatModel.builder().okHttpClient(shared).outboundPolicy(LOOPBACK_ALLOWED).build();
        String url = server.url("/v1").toString();

        // when
        ModelException withoutKey = failure(Mode.COMPLETE, untrusted(url, ""));
        ModelException withKey = failure(Mode.STREAM, untrusted(url, "sk-user"));
        failure(Mode.COMPLETE, request(url, "", true));

        // then: one request each for the untrusted calls, with nothing of the operator's
        assertThat(withoutKey.failure()).isEqualTo(ModelFailure.AUTHENTICATION);
        assertThat(withKey.failure()).isEqualTo(ModelFailure.AUTHENTICATION);
        RecordedRequest first = server.takeRequest();
        RecordedRequest second = server.takeRequest();
        assertThat(first.getHeaders().get("Authorization")).isNull();
        assertThat(second.getHeaders().get("Authorization")).isEqualTo("Bearer sk-user");
        assertThat(List.of(first, second)).allSatisfy(r -> assertThat(r.getHeaders().toString()).doesNotContain("operator-secret"));
        // the operator's client keeps doing all of it for the operator's presets
        RecordedRequest trusted = server.takeRequest();
        RecordedRequest trustedRetry = server.takeRequest();
        assertThat(server.getRequestCount()).isEqualTo(4);
        assertThat(trusted.getHeaders().get("Authorization")).isEqualTo("Bearer operator-secret");
        assertThat(trustedRetry.getHeaders().get("X-Operator-Auth")).isEqualTo("operator-secret");
    }

    private void assertNothingReached() {
        assertThat(server.getRequestCount()).as("requests that reached 127.0.0.1:" + port).isZero();
        assertThat(server6.getRequestCount()).as("requests that reached [::1]:" + port).isZero();
    }

    private ModelException failure(Mode mode, ChatRequest request) {
        Object outcome = outcome(mode, request);
        assertThat(outcome).isInstanceOf(ModelException.class);
        return (ModelException) outcome;
    }

    private ChatCompletion success(Mode mode, ChatRequest request) {
        Object outcome = outcome(mode, request);
        assertThat(outcome).isInstanceOf(ChatCompletion.class);
        return (ChatCompletion) outcome;
    }

    private Object outcome(Mode mode, ChatRequest request) {
        if (mode == Mode.COMPLETE) {
            try {
                return model.complete(request);
            } catch (ModelException e) {
                return e;
            }
        }
        RecordingListener listener = new RecordingListener();
        model.stream(request, listener);
        Object outcome;
        try {
            outcome = listener.awaitCompletion();
        } catch (AssertionError notACompletion) {
            outcome = listener.awaitError();
        }
        listener.assertContractKept();
        return outcome;
    }

    private static ChatRequest untrusted(String url, String apiKey) {
        return request(url, apiKey, false);
    }

    private static ChatRequest request(String url, String apiKey, boolean trusted) {
        return new ChatRequest(new ModelEndpoint(url, "qwen2.5-7b", apiKey, 8192, trusted),
                List.of(new ChatMessage(Role.USER, "Say hello")), 0.7, 256);
    }
}
