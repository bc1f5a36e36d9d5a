package dev.llmchat.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import okhttp3.Dns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OutboundPolicyTest {
    /** A resolver that knows a few names and nothing else, so that no test asks real DNS. */
    private static final Dns DNS = host -> {
        List<String> answers = Map.of(
                "localhost", List.of("127.0.0.1", "::1"),
                "internal.example", List.of("10.0.0.7"),
                "metadata.example", List.of("169.254.169.254"),
                "mixed.example", List.of("10.0.0.7", "93.184.215.14"),
                "api.example.com", List.of("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
                "gpu-box.lan", List.of("192.168.1.20")).get(host);
        if (answers == null) throw new UnknownHostException(host);
        return answers.stream().map(OutboundPolicyTest::ip).toList();
    };

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "ftp://api.example.com/v1                   | must start with http:// or https://, not ftp://",
            "file:///etc/passwd                         | must start with http:// or https://, not file://",
            "gopher://127.0.0.1:6379/_INFO              | must start with http:// or https://, not gopher://",
            "localhost:8000/v1                          | not a valid http:// or https:// URL",
            "api.example.com/v1                         | not a valid http:// or https:// URL",
            "http://user:secret@api.example.com/v1      | must not contain a user name or password",
            "https://sk-abc@api.example.com/v1          | must not contain a user name or password",
            "http://127.0.0.1:8000/v1                   | points to a loopback address",
            "http://127.1/v1                            | points to a loopback address",
            "http://2130706433/v1                       | points to a loopback address",
            "http://0x7f.1/v1                           | points to a loopback address",
            "http://0177.0.0.1/v1                       | points to a loopback address",
            "http://[::1]:8000/v1                       | points to a loopback address",
            "http://[::ffff:7f00:1]/v1                  | points to a loopback address",
            "http://0.0.0.0:8000/v1                     | points to an unspecified (0.0.0.0 or ::) address",
            "http://169.254.169.254/latest/meta-data    | points to a cloud metadata address",
            "http://[fd00:ec2::254]/latest              | points to a cloud metadata address",
            "http://100.64.0.1/v1                       | points to a carrier-grade NAT address",
            "http://10.1.2.3:8000/v1                    | points to a private network address",
            "http://192.168.0.10/v1                     | points to a private network address",
            "http://[fd00::1]/v1                        | points to a private network address",
            "http://[fe80::1]/v1                        | points to a link-local address",
            "http://224.0.0.1/v1                        | points to a multicast or broadcast address",
            "http://192.0.2.1/v1                        | points to a reserved or documentation address",
            "http://1.2.3.4.5/v1                        | is made of numbers but is not an IP address",
            "http://localhost:8000/v1                   | points to a loopback address",
            "http://internal.example/v1                 | points to a private network address",
            "http://metadata.example/v1                 | points to a cloud metadata address",
    })
    void refuses_with_a_reason_the_user_can_read(String url, String reason) {
        assertThat(OutboundPolicy.publicOnly().refusal(url, DNS)).hasValueSatisfying(text -> assertThat(text).contains(reason));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "https://api.example.com/v1",
            "https://API.EXAMPLE.COM/v1/chat/completions?api-version=2",
            "http://8.8.8.8:8000/v1",
            "http://[2606:4700::1111]/v1",
            "http://mixed.example/v1", // the private answer is dropped when connecting, the public one used
            "http://nonexistent.invalid/v1", // may be down now: the call will tell
    })
    void accepts_a_public_url_and_one_that_does_not_resolve_now(String url) {
        assertThat(OutboundPolicy.publicOnly().refusal(url, DNS)).isEmpty();
    }

    @Test
    void refuses_a_loopback_literal_with_the_words_a_user_reads_at_call_time() {
        assertThat(OutboundPolicy.publicOnly().refusal("http://127.0.0.1/v1", DNS)).contains("The model URL points to a loopback address, "
                + "which this server does not call for custom models. Ask the operator to allow it.");
    }

    @Test
    void accepts_what_the_operator_allowed() {
        // given
        OutboundPolicy policy = OutboundPolicy.publicOnly()
                .allowNetworks(List.of("10.0.0.0/8", "fd00::/8", "192.168.1.5/32"))
                .allowHosts(List.of("GPU-Box.LAN"));

        // then
        assertThat(policy.refusal("http://10.1.2.3:8000/v1", DNS)).isEmpty();
        assertThat(policy.refusal("http://internal.example/v1", DNS)).isEmpty();
        assertThat(policy.refusal("http://[fd00::1]/v1", DNS)).isEmpty();
        assertThat(policy.refusal("http://192.168.1.5/v1", DNS)).isEmpty();
        assertThat(policy.refusal("http://gpu-box.lan:8000/v1", DNS)).isEmpty();
        assertThat(policy.refusal("http://gpu-box.lan.:8000/v1", DNS)).isEmpty();
        assertThat(policy.refusal("http://192.168.1.6/v1", DNS)).isPresent();
        assertThat(policy.refusal("http://127.0.0.1/v1", DNS)).isPresent();
        assertThat(policy.refusal("http://169.254.169.254/v1", DNS)).isPresent();
    }

    @Test
    void allows_every_address_when_unrestricted_but_still_only_http_without_credentials() {
        // given
        OutboundPolicy policy = OutboundPolicy.unrestricted();

        // then
        assertThat(policy.refusal("http://127.0.0.1:8000/v1", DNS)).isEmpty();
        assertThat(policy.refusal("http://169.254.169.254/v1", DNS)).isEmpty();
        assertThat(policy.refusal("ftp://127.0.0.1/v1", DNS)).isPresent();
        assertThat(policy.refusal("http://u:p@127.0.0.1/v1", DNS)).isPresent();
    }

    @Test
    void returns_a_new_policy_from_each_allow_and_leaves_the_old_one_alone() {
        // given
        OutboundPolicy strict = OutboundPolicy.publicOnly();

        // when
        OutboundPolicy lan = strict.allowNetworks(List.of("10.0.0.0/8"));

        // then
        assertThat(lan).isNotSameAs(strict).isNotEqualTo(strict);
        assertThat(strict.refusal("http://10.0.0.1/v1", DNS)).isPresent();
        assertThat(lan.refusal("http://10.0.0.1/v1", DNS)).isEmpty();
        assertThat(OutboundPolicy.publicOnly()).isEqualTo(strict);
        assertThat(lan).isEqualTo(OutboundPolicy.publicOnly().allowNetworks(List.of("10.0.0.0/8")));
        assertThat(lan.toString()).contains("10.0.0.0/8");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", " ", "http://gpu-box.lan", "gpu-box.lan:8000", "gpu-box.lan/v1", "user@gpu-box.lan", "[::1]", "gpu box"})
    void refuses_an_allowed_host_that_is_not_a_host_name(String host) {
        assertThatIllegalArgumentException().isThrownBy(() -> OutboundPolicy.publicOnly().allowHosts(List.of(host)));
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "10.0.0.1/8", "10.0.0.0/33", "010.0.0.0/8", "gpu-box.lan", "fd00::/129"})
    void refuses_an_allowed_network_that_is_not_one(String cidr) {
        assertThatIllegalArgumentException().isThrownBy(() -> OutboundPolicy.publicOnly().allowNetworks(List.of(cidr)));
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
