package dev.llmchat.llm.internal;

import java.net.InetAddress;
import java.util.List;

/**
 * What an IP address is, as far as calling it for a user is concerned: {@link #PUBLIC} or one of the kinds an
 * untrusted endpoint may not reach. IPv6 addresses that carry an IPv4 address (mapped, NAT64, 6to4,
 * IPv4-compatible) are judged by the IPv4 address they lead to; IPv6 outside 2000::/3 is never public.
 */
enum AddressKind {
    PUBLIC("a public"),
    UNSPECIFIED("an unspecified (0.0.0.0 or ::)"),
    LOOPBACK("a loopback"),
    PRIVATE("a private network"),
    SHARED("a carrier-grade NAT"),
    LINK_LOCAL("a link-local"),
    METADATA("a cloud metadata"),
    MULTICAST("a multicast or broadcast"),
    RESERVED("a reserved or documentation");

    private record Range(Cidr network, AddressKind kind) {
    }

    // first match wins: the metadata addresses lie inside wider ranges
    private static final List<Range> V4 = List.of(
            range("169.254.169.254/32", METADATA), // AWS, GCP, Azure, OpenStack…
            range("169.254.170.2/32", METADATA), // AWS ECS task credentials
            range("100.100.100.200/32", METADATA), // Alibaba Cloud
            range("0.0.0.0/8", UNSPECIFIED), // Linux connects 0.0.0.0 to the host itself
            range("10.0.0.0/8", PRIVATE),
            range("100.64.0.0/10", SHARED),
            range("127.0.0.0/8", LOOPBACK),
            range("169.254.0.0/16", LINK_LOCAL),
            range("172.16.0.0/12", PRIVATE),
            range("192.0.0.0/24", RESERVED),
            range("192.0.2.0/24", RESERVED),
            range("192.88.99.0/24", RESERVED),
            range("192.168.0.0/16", PRIVATE),
            range("198.18.0.0/15", RESERVED),
            range("198.51.100.0/24", RESERVED),
            range("203.0.113.0/24", RESERVED),
            range("224.0.0.0/4", MULTICAST),
            range("255.255.255.255/32", MULTICAST),
            range("240.0.0.0/4", RESERVED));

    private static final List<Range> V6 = List.of(
            range("fd00:ec2::254/128", METADATA), // AWS over IPv6
            range("fe80::/10", LINK_LOCAL),
            range("fec0::/10", PRIVATE), // site-local, deprecated; isSiteLocalAddress() knows only this one
            range("fc00::/7", PRIVATE), // unique-local
            range("ff00::/8", MULTICAST),
            range("2001:db8::/32", RESERVED),
            range("3fff::/20", RESERVED), // documentation (RFC 9637)
            range("2001::/32", RESERVED)); // Teredo: tunnels to an IPv4 address we cannot see

    private final String article;

    AddressKind(String article) {
        this.article = article;
    }

    /** "a loopback address", "a private network address"…: for messages an end user reads. */
    String describe() {
        return article + " address";
    }

    static AddressKind of(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 ? ofV4(b) : ofV6(b);
    }

    private static AddressKind ofV4(byte[] b) {
        for (Range r : V4) if (r.network().contains(b)) return r.kind();
        return PUBLIC;
    }

    private static AddressKind ofV6(byte[] b) {
        if (zeros(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) return ofV4(tail(b, 12)); // ::ffff:0:0/96
        if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && zeros(b, 4, 12)) return ofV4(tail(b, 12)); // 64:ff9b::/96
        if (zeros(b, 0, 12)) {
            if (zeros(b, 12, 16)) return UNSPECIFIED;
            if (zeros(b, 12, 15) && b[15] == 1) return LOOPBACK;
            AddressKind embedded = ofV4(tail(b, 12)); // IPv4-compatible ::a.b.c.d, deprecated
            return embedded == PUBLIC ? RESERVED : embedded;
        }
        if (b[0] == 0x20 && b[1] == 0x02) return ofV4(new byte[] {b[2], b[3], b[4], b[5]}); // 6to4 2002:aabb:ccdd::
        for (Range r : V6) if (r.network().contains(b)) return r.kind();
        return (b[0] & 0xe0) == 0x20 ? PUBLIC : RESERVED; // only 2000::/3 is global unicast
    }

    private static boolean zeros(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] != 0) return false;
        return true;
    }

    private static byte[] tail(byte[] b, int from) {
        return java.util.Arrays.copyOfRange(b, from, b.length);
    }

    private static Range range(String cidr, AddressKind kind) {
        return new Range(Cidr.parse(cidr), kind);
    }
}
