package dev.llmchat.llm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.0.0.0/8,          10.0.0.0,          true",
            "10.0.0.0/8,          10.255.255.255,    true",
            "10.0.0.0/8,          11.0.0.0,          false",
            "192.168.1.5/32,      192.168.1.5,       true",
            "192.168.1.5/32,      192.168.1.6,       false",
            "192.168.1.5,         192.168.1.5,       true",
            "172.16.0.0/12,       172.31.255.255,    true",
            "172.16.0.0/12,       172.32.0.0,        false",
            "0.0.0.0/0,           8.8.8.8,           true",
            "0.0.0.0/0,           ::1,               false",
            "fd00::/8,            fd12::1,           true",
            "fd00::/8,            fc00::1,           false",
            "fd00::/8,            10.0.0.1,          false",
            "::ffff:10.0.0.0/104, 10.1.2.3,          true",
            "2001:db8::/33,       2001:db8:7fff::1,  true",
            "2001:db8::/33,       2001:db8:8000::1,  false",
    })
    void contains_the_addresses_inside_its_prefix(String cidr, String address, boolean expected) throws Exception {
        assertThat(Cidr.parse(cidr).contains(InetAddress.getByName(address))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "10.0.0.0/33", "10.0.0.1/8", "010.0.0.0/8", "10.0/8", "gpu-box.lan", "gpu-box.lan/32", "fd00::/129",
            "fd00::1/8", "10.0.0.0/", "10.0.0.0/-1", "fd00:::1/8", "[fd00::]/8", "localhost"})
    void refuses_what_is_not_a_network_without_asking_dns(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse(text));
    }
}
