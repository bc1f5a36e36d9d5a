package dev.llmchat.llm;

import dev.llmchat.llm.internal.Destinations;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import okhttp3.Dns;

/**
 * Where an {@link OpenAiChatModel} may connect for endpoints users chose themselves ({@code ModelEndpoint.trusted()}
 * false; the operator's trusted presets may go anywhere). The default, {@link #publicOnly()}, allows public
 * addresses only, so that no user can make the server call its own loopback, the LAN or a cloud metadata
 * service, however the address is spelled or whatever a name resolves to when connecting; widen it with
 * {@link #allowNetworks} or {@link #allowHosts} (a model server on the LAN), or switch it off with
 * {@link #unrestricted()} where every user is trusted. Call {@link #refusal(String)} when a user saves a URL to
 * tell them at once. Immutable: the {@code allow…} methods return a new policy.
 */
public final class OutboundPolicy {
    private final Destinations destinations;

    private OutboundPolicy(Destinations destinations) {
        this.destinations = destinations;
    }

    /** Public unicast addresses only: no loopback, private, carrier-grade NAT, link-local, metadata, multicast or reserved ones. */
    public static OutboundPolicy publicOnly() {
        return new OutboundPolicy(Destinations.PUBLIC_ONLY);
    }

    /** Everywhere, through the shared client's proxy if it has one: for a single user or users who are all trusted. */
    public static OutboundPolicy unrestricted() {
        return new OutboundPolicy(Destinations.ANYWHERE);
    }

    /**
     * Also these host names, whatever addresses they resolve to ({@code gpu-box.lan}); an exact match, case aside.
     * @throws IllegalArgumentException when one is not a host name
     */
    public OutboundPolicy allowHosts(Collection<String> hostnames) {
        return new OutboundPolicy(destinations.withHosts(Objects.requireNonNull(hostnames, "hostnames")));
    }

    /**
     * Also the addresses in these networks ({@code 10.0.0.0/8}, {@code 192.168.1.5/32}, {@code fd00::/8}; a bare
     * address means just itself), whatever host name leads there.
     * @throws IllegalArgumentException when one is not a network or has bits set after its prefix length
     */
    public OutboundPolicy allowNetworks(Collection<String> cidrs) {
        return new OutboundPolicy(destinations.withNetworks(Objects.requireNonNull(cidrs, "cidrs")));
    }

    /**
     * Why a user may not save this model URL, in words for them: not http or https, a user name or password in
     * it, or a host that is or resolves (with the system's resolver) only to addresses this policy forbids.
     * Empty when it may be saved, also when its host does not resolve now. Calls check again, as they connect.
     */
    public Optional<String> refusal(String url) {
        return refusal(url, Dns.SYSTEM);
    }

    /** {@link #refusal(String)} with the resolver the model uses (see {@link OpenAiChatModel.Builder#dns}). */
    public Optional<String> refusal(String url, Dns dns) {
        return destinations.refusal(url, Objects.requireNonNull(dns, "dns"));
    }

    Destinations destinations() {
        return destinations;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutboundPolicy other && destinations.equals(other.destinations);
    }

    @Override
    public int hashCode() {
        return destinations.hashCode();
    }

    @Override
    public String toString() {
        return destinations.restricted()
                ? "OutboundPolicy[publicOnly, hosts=" + destinations.hosts() + ", networks=" + destinations.networks() + "]"
                : "OutboundPolicy[unrestricted]";
    }
}
