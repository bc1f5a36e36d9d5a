package dev.llmchat.llm.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import okhttp3.Authenticator;
import okhttp3.CookieJar;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * The client variant for untrusted endpoints. It carries nothing of the operator's to a user's server (the
 * shared client's interceptors, authenticator and cookies stay behind) and, when the destinations are
 * restricted, has every address checked three times, the first two before any connection is opened:
 * <ol>
 *   <li>before the call ({@link OpenAiClient} with {@link Destinations#checkLiteral}), a host that is an IP
 *       address however spelled, since OkHttp connects those without asking its {@code Dns};
 *   <li>when connecting, the resolver's answers ({@link GuardedDns}): forbidden ones are dropped, so a name
 *       that resolved to a public address when the URL was saved and resolves to a private one now (DNS
 *       rebinding) is caught then, before any connection;
 *   <li>for every request, the address of the connection it is about to be sent on ({@link ConnectionCheck}),
 *       pooled or new: the last word, whatever the way there.
 * </ol>
 * No proxy is used: with one, OkHttp resolves the proxy rather than the target, so nothing could be checked.
 */
final class Outbound {
    private Outbound() {
    }

    static OkHttpClient untrusted(OkHttpClient base, Destinations destinations) {
        OkHttpClient.Builder builder = base.newBuilder()
                .authenticator(Authenticator.NONE)
                .cookieJar(CookieJar.NO_COOKIES);
        // an operator's interceptor may add its own credentials, or, with chain.withProxy/withDns, undo ours
        builder.interceptors().clear();
        builder.networkInterceptors().clear();
        if (destinations.restricted()) {
            builder.proxy(Proxy.NO_PROXY)
                    .proxyAuthenticator(Authenticator.NONE)
                    .dns(new GuardedDns(base.dns(), destinations))
                    .addNetworkInterceptor(new ConnectionCheck(destinations));
        }
        return builder.build();
    }

    /** Drops the answers the destinations forbid; fails when none is left. */
    record GuardedDns(Dns delegate, Destinations destinations) implements Dns {
        @Override
        public List<InetAddress> lookup(String hostname) throws UnknownHostException {
            List<InetAddress> allowed = new ArrayList<>();
            Optional<AddressKind> firstBlocked = Optional.empty();
            for (InetAddress address : delegate.lookup(hostname)) {
                Optional<AddressKind> kind = destinations.blocked(hostname, address);
                if (kind.isEmpty()) allowed.add(address);
                else if (firstBlocked.isEmpty()) firstBlocked = kind;
            }
            if (allowed.isEmpty() && firstBlocked.isPresent()) throw new BlockedAddressException(hostname, firstBlocked.get());
            return allowed;
        }
    }

    /** A network interceptor: refuses to send a request on a connection to a forbidden address. */
    record ConnectionCheck(Destinations destinations) implements Interceptor {
        @Override
        public Response intercept(Chain chain) throws IOException {
            String host = chain.request().url().host();
            InetAddress address = chain.connection().route().socketAddress().getAddress();
            Optional<AddressKind> kind = destinations.blocked(host, address);
            if (kind.isPresent()) {
                // closes the connection (HTTP/1) rather than pooling it, and keeps OkHttp from retrying
                chain.call().cancel();
                throw new BlockedAddressException(host, kind.get());
            }
            return chain.proceed(chain.request());
        }
    }
}
