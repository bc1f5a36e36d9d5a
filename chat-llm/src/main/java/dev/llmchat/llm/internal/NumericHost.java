package dev.llmchat.llm.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A host made of numbers only ({@code 127.1}, {@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1}) read
 * both ways software reads it: as C's {@code inet_aton} does (curl, browsers, most resolvers: {@code 0x}
 * hex, leading-zero octal, one to four parts) and as Java does (decimal parts; OkHttp connects such hosts
 * with {@code InetAddress.getByName}, never asking its {@code Dns}). A URL is checked under both readings so
 * that it cannot pass as one address and connect to another. No DNS is asked.
 */
final class NumericHost {
    private static final Pattern PART = Pattern.compile("\\d+|0[xX][0-9a-fA-F]*");

    private NumericHost() {
    }

    /**
     * Empty for a host name (some label is not a number, so the resolver decides); else the one or two
     * addresses the numbers can mean.
     * @throws IllegalArgumentException when the host is numbers that no reading makes an IPv4 address
     */
    static Optional<Set<InetAddress>> readings(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (h.isEmpty() || h.contains(":")) return Optional.empty();
        String[] parts = h.split("\\.", -1);
        for (String part : parts) if (!PART.matcher(part).matches()) return Optional.empty();
        Set<InetAddress> readings = new LinkedHashSet<>();
        Long aton = combine(parts, true);
        if (aton != null) readings.add(address(aton));
        Long java = combine(parts, false);
        if (java != null) readings.add(address(java));
        if (readings.isEmpty()) throw new IllegalArgumentException("\"" + host + "\" is neither a host name nor an IP address");
        return Optional.of(readings);
    }

    /** One to four parts, the last filling the bytes that remain: {@code 127.1} is 127.0.0.1. Null when invalid. */
    private static Long combine(String[] parts, boolean aton) {
        if (parts.length > 4) return null;
        long result = 0;
        for (int i = 0; i < parts.length; i++) {
            Long v = aton ? atonPart(parts[i]) : javaPart(parts[i]);
            if (v == null) return null;
            boolean last = i == parts.length - 1;
            long max = last ? (1L << (8 * (4 - i))) - 1 : 255;
            if (v > max) return null;
            result = last ? result | v : result | v << (8 * (3 - i));
        }
        return result;
    }

    private static Long atonPart(String p) {
        try {
            if (p.startsWith("0x") || p.startsWith("0X")) return p.length() == 2 ? 0L : Long.parseLong(p.substring(2), 16);
            if (p.length() > 1 && p.startsWith("0")) return Long.parseLong(p.substring(1), 8);
            return Long.parseLong(p);
        } catch (NumberFormatException e) {
            return null; // too long, or 8 or 9 in an octal part
        }
    }

    private static Long javaPart(String p) {
        if (!p.chars().allMatch(Character::isDigit) || p.length() > 10) return null;
        return Long.parseLong(p);
    }

    private static InetAddress address(long v) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot happen: four bytes are an IPv4 address", e);
        }
    }
}
