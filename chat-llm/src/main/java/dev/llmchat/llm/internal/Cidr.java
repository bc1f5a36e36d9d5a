package dev.llmchat.llm.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/** A network such as {@code 10.0.0.0/8} or {@code fd00::/8}; parsing never asks DNS. */
public record Cidr(InetAddress network, int prefix) {
    private static final Pattern V4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("prefix length must be 0 to " + bits);
    }

    /**
     * {@code address/prefix}, or a bare address for that one address. IPv4 in four decimal parts (no
     * leading zeros, which some software reads as octal).
     * @throws IllegalArgumentException when it is not a network, or has bits set after the prefix
     */
    public static Cidr parse(String text) {
        String s = text == null ? "" : text.strip();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        InetAddress network = literal(address);
        int bits = network.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) throw new IllegalArgumentException("\"" + text + "\" is not a network such as 10.0.0.0/8 or fd00::/8");
            prefix = Integer.parseInt(p);
            // "::ffff:10.0.0.0/104" was written as IPv6 and came back as IPv4
            if (bits == 32 && address.contains(":")) prefix -= 96;
            if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("\"" + text + "\" has a prefix length out of range");
        }
        Cidr cidr = new Cidr(network, prefix);
        if (!masked(network.getAddress(), prefix)) {
            throw new IllegalArgumentException("\"" + text + "\" has bits set after the prefix length");
        }
        return cidr;
    }

    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    /** Raw bytes; an IPv4-mapped IPv6 address counts as its IPv4 address. */
    boolean contains(byte[] address) {
        byte[] net = network.getAddress();
        byte[] a = address;
        if (net.length == 4 && a.length == 16 && isMapped(a)) a = java.util.Arrays.copyOfRange(a, 12, 16);
        if (a.length != net.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (a[i] != net[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = 0xff << (8 - rest) & 0xff;
        return (a[full] & mask) == (net[full] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }

    private static boolean masked(byte[] a, int prefix) {
        for (int bit = prefix; bit < a.length * 8; bit++) if ((a[bit / 8] & (0x80 >>> (bit % 8))) != 0) return false;
        return true;
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }

    private static InetAddress literal(String address) {
        String host;
        if (V4.matcher(address).matches()) {
            host = address;
        } else {
            // OkHttp's IPv6 parser decides without a lookup; InetAddress then only converts what it returns
            HttpUrl url = address.contains(":") && address.matches("[0-9A-Fa-f:.]+") ? HttpUrl.parse("http://[" + address + "]/") : null;
            if (url == null) throw new IllegalArgumentException("\"" + address + "\" is not an IP address such as 10.0.0.0 or fd00::");
            host = url.host();
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("\"" + address + "\" is not an IP address", e);
        }
    }
}
