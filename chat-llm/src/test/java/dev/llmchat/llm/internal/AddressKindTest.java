package dev.llmchat.llm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressKindTest {
    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            // public
            "8.8.8.8,                 PUBLIC",
            "1.1.1.1,                 PUBLIC",
            "2606:4700::1111,         PUBLIC",
            "2001:4860:4860::8888,    PUBLIC",
            // 0.0.0.0/8
            "0.0.0.0,                 UNSPECIFIED",
            "0.255.255.255,           UNSPECIFIED",
            "1.0.0.0,                 PUBLIC",
            // 10/8
            "10.0.0.0,                PRIVATE",
            "10.255.255.255,          PRIVATE",
            "9.255.255.255,           PUBLIC",
            "11.0.0.0,                PUBLIC",
            // 100.64/10
            "100.63.255.255,          PUBLIC",
            "100.64.0.0,              SHARED",
            "100.127.255.255,         SHARED",
            "100.128.0.0,             PUBLIC",
            "100.100.100.200,         METADATA",
            // 127/8
            "127.0.0.1,               LOOPBACK",
            "127.255.255.254,         LOOPBACK",
            "128.0.0.0,               PUBLIC",
            // 169.254/16
            "169.254.0.0,             LINK_LOCAL",
            "169.254.255.255,         LINK_LOCAL",
            "169.254.169.254,         METADATA",
            "169.254.170.2,           METADATA",
            "169.253.255.255,         PUBLIC",
            // 172.16/12
            "172.15.255.255,          PUBLIC",
            "172.16.0.0,              PRIVATE",
            "172.31.255.255,          PRIVATE",
            "172.32.0.0,              PUBLIC",
            // 192.0.0/24, 192.0.2/24, 192.88.99/24
            "192.0.0.1,               RESERVED",
            "192.0.1.0,               PUBLIC",
            "192.0.2.1,               RESERVED",
            "192.88.99.1,             RESERVED",
            // 192.168/16
            "192.167.255.255,         PUBLIC",
            "192.168.0.0,             PRIVATE",
            "192.168.255.255,         PRIVATE",
            "192.169.0.0,             PUBLIC",
            // 198.18/15, 198.51.100/24, 203.0.113/24
            "198.17.255.255,          PUBLIC",
            "198.18.0.0,              RESERVED",
            "198.19.255.255,          RESERVED",
            "198.20.0.0,              PUBLIC",
            "198.51.100.7,            RESERVED",
            "203.0.113.7,             RESERVED",
            "203.0.114.0,             PUBLIC",
            // 224/4, 240/4
            "223.255.255.255,         PUBLIC",
            "224.0.0.0,               MULTICAST",
            "239.255.255.255,         MULTICAST",
            "240.0.0.0,               RESERVED",
            "255.255.255.254,         RESERVED",
            "255.255.255.255,         MULTICAST",
            // IPv6 specials
            "::,                      UNSPECIFIED",
            "::1,                     LOOPBACK",
            "fe80::1,                 LINK_LOCAL",
            "febf:ffff::1,            LINK_LOCAL",
            "fec0::1,                 PRIVATE",
            "fc00::,                  PRIVATE",
            "fd00::1,                 PRIVATE",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, PRIVATE",
            "fd00:ec2::254,           METADATA",
            "ff02::1,                 MULTICAST",
            "2001:db8::1,             RESERVED",
            "2001:db9::1,             PUBLIC",
            "2001:0:4136:e378::1,     RESERVED",
            "3fff::1,                 RESERVED",
            "4000::1,                 RESERVED",
            "1fff:ffff::1,            RESERVED",
            "2000::,                  PUBLIC",
            "3ffe:ffff::1,            PUBLIC",
            // IPv6 carrying IPv4
            "::ffff:127.0.0.1,        LOOPBACK",
            "::ffff:8.8.8.8,          PUBLIC",
            "64:ff9b::7f00:1,         LOOPBACK",
            "64:ff9b::a9fe:a9fe,      METADATA",
            "64:ff9b::808:808,        PUBLIC",
            "64:ff9b:1::1,            RESERVED",
            "2002:7f00:1::,           LOOPBACK",
            "2002:a00:1::1,           PRIVATE",
            "2002:808:808::1,         PUBLIC",
            "::127.0.0.1,             LOOPBACK",
            "::10.0.0.1,              PRIVATE",
            "::8.8.8.8,               RESERVED",
    })
    void classifies_each_range(String address, AddressKind expected) throws Exception {
        assertThat(AddressKind.of(InetAddress.getByName(address))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "::ffff:{0} held as IPv6 is {1}")
    @CsvSource({"127.0.0.1, LOOPBACK", "169.254.169.254, METADATA", "10.1.2.3, PRIVATE", "8.8.8.8, PUBLIC"})
    void reads_the_ipv4_inside_a_mapped_address_that_java_kept_as_ipv6(String ipv4, AddressKind expected) throws Exception {
        // given: InetAddress.getByName would turn it into an Inet4Address; this factory does not
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        System.arraycopy(InetAddress.getByName(ipv4).getAddress(), 0, bytes, 12, 4);
        Inet6Address mapped = Inet6Address.getByAddress(null, bytes, -1);

        assertThat(AddressKind.of(mapped)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} is not site-local to Java but is private here")
    @CsvSource({"fc00::1", "fd12:3456::1"})
    void takes_unique_local_as_private_though_java_does_not(String address) throws Exception {
        InetAddress a = InetAddress.getByName(address);

        assertThat(a.isSiteLocalAddress()).isFalse();
        assertThat(AddressKind.of(a)).isEqualTo(AddressKind.PRIVATE);
    }
}
