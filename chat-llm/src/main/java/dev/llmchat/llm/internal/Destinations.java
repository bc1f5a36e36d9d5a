package dev.llmchat.llm.internal;

import dev.llmchat.core.ModelException;
import dev.llmchat.core.ModelFailure;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import okhttp3.Dns;
import okhttp3.HttpUrl;

/**
 * The rules behind {@code dev.llmchat.llm.OutboundPolicy}; not API. {@code restricted}: only public
 * addresses, plus the allowed host names (any address) and networks; otherwise everything.
 */
public record Destinations(boolean restricted, Set<String> hosts, List<Cidr> networks) {
    public static final Destinations ANYWHERE = new Destinations(false, Set.of(), List.of());
    public static final Destinations PUBLIC_ONLY = new Destinations(true, Set.of(), List.of());
    private static final Pattern NOT_A_HOST = Pattern.compile(".*[\\s:/@?#\\[\\]\\\\%].*");
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):/");

    public Destinations {
        hosts = Set.copyOf(hosts);
        networks = List.copyOf(networks);
    }

    /** @throws IllegalArgumentException when one is not a host name */
    public Destinations withHosts(Collection<String> names) {
        Set<String> all = new LinkedHashSet<>(hosts);
        for (String name : names) all.add(hostName(name));
        return new Destinations(restricted, all, networks);
    }

    /** @throws IllegalArgumentException when one is not a network such as 10.0.0.0/8 */
    public Destinations withNetworks(Collection<String> cidrs) {
        Set<Cidr> all = new LinkedHashSet<>(networks);
        for (String cidr : cidrs) all.add(Cidr.parse(cidr));
        return new Destinations(restricted, hosts, List.copyOf(all));
    }

    /** Empty when a call to {@code host} may go to {@code address}; else the kind of address that stops it. */
    Optional<AddressKind> blocked(String host, InetAddress address) {
        if (!restricted || allowsHost(host)) return Optional.empty();
        if (address == null) return Optional.of(AddressKind.UNSPECIFIED); // not resolved here: cannot tell, so no
        for (Cidr network : networks) if (network.contains(address)) return Optional.empty();
        AddressKind kind = AddressKind.of(address);
        return kind == AddressKind.PUBLIC ? Optional.empty() : Optional.of(kind);
    }

    /**
     * Checks a host that is an IP address however spelled ({@code ::1}, {@code 127.1}, {@code 0x7f.1}) without
     * DNS; a host name passes, since only its resolver's answers, checked when connecting, say where it leads.
     * @throws ModelException BLOCKED for a forbidden address, REJECTED for numbers that are no address
     */
    void checkLiteral(String host) {
        if (!restricted || allowsHost(host)) return;
        Optional<List<InetAddress>> addresses;
        try {
            addresses = literal(host);
        } catch (IllegalArgumentException e) {
            throw new ModelException(ModelFailure.REJECTED, notAnAddress(host));
        }
        for (InetAddress a : addresses.orElse(List.of())) {
            Optional<AddressKind> kind = blocked(host, a);
            if (kind.isPresent()) throw Failures.blocked(kind.get(), null);
        }
    }

    /** What is wrong with a URL a user wants to save, resolving its host with {@code dns}; empty when nothing is. */
    public Optional<String> refusal(String url, Dns dns) {
        String raw = url == null ? "" : url.strip();
        HttpUrl parsed = HttpUrl.parse(raw);
        if (parsed == null) {
            var scheme = SCHEME.matcher(raw);
            return Optional.of(scheme.find() && !scheme.group(1).equalsIgnoreCase("http") && !scheme.group(1).equalsIgnoreCase("https")
                    ? "The model URL must start with http:// or https://, not " + scheme.group(1).toLowerCase(Locale.ROOT) + "://."
                    : Target.NOT_HTTP_URL);
        }
        if (!parsed.username().isEmpty() || !parsed.password().isEmpty()) {
            return Optional.of("The model URL must not contain a user name or password; put the key in the API key field instead.");
        }
        String host = parsed.host();
        if (!restricted || allowsHost(host)) return Optional.empty();
        Optional<List<InetAddress>> literal;
        try {
            literal = literal(host);
        } catch (IllegalArgumentException e) {
            return Optional.of(notAnAddress(host));
        }
        if (literal.isPresent()) {
            // every reading of the numbers must be allowed, as at call time
            return literal.get().stream().map(a -> blocked(host, a)).flatMap(Optional::stream).findFirst().map(Failures::blockedMessage);
        }
        List<InetAddress> answers;
        try {
            answers = dns.lookup(host);
        } catch (UnknownHostException e) {
            return Optional.empty(); // the server may be down now; the call will tell
        }
        // as at call time, where forbidden answers are dropped and the rest used
        List<AddressKind> kinds = answers.stream().map(a -> blocked(host, a)).flatMap(Optional::stream).toList();
        return !answers.isEmpty() && kinds.size() == answers.size() ? Optional.of(Failures.blockedMessage(kinds.get(0))) : Optional.empty();
    }

    boolean allowsHost(String host) {
        return hosts.contains(stripDot(host.toLowerCase(Locale.ROOT)));
    }

    /**
     * The addresses an IP-literal host can mean (IPv6, or every reading of numbers); empty for a host name.
     * @throws IllegalArgumentException for numbers that are no address
     */
    private static Optional<List<InetAddress>> literal(String host) {
        if (host.contains(":")) {
            try {
                return Optional.of(List.of(InetAddress.getByName(host))); // OkHttp has checked it as IPv6: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }
        return NumericHost.readings(host).map(List::copyOf);
    }

    private static String hostName(String name) {
        String s = name == null ? "" : name.strip();
        HttpUrl url = s.isEmpty() || NOT_A_HOST.matcher(s).matches() ? null : HttpUrl.parse("http://" + s + "/");
        if (url == null) throw new IllegalArgumentException("\"" + name + "\" is not a host name such as gpu-box.lan (use allowNetworks for IP addresses)");
        return stripDot(url.host());
    }

    private static String stripDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    private static String notAnAddress(String host) {
        return "The model URL's host \"" + host + "\" is made of numbers but is not an IP address. Check the URL in your model settings.";
    }
}
