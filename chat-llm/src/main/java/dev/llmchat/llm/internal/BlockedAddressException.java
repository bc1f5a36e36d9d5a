package dev.llmchat.llm.internal;

import java.net.UnknownHostException;

/**
 * A call for an untrusted endpoint met an address the outbound policy forbids. An {@link UnknownHostException}
 * so that a {@code Dns} may throw it; {@link Failures#fromIo} turns it into {@code BLOCKED}.
 */
final class BlockedAddressException extends UnknownHostException {
    private static final long serialVersionUID = 1L;
    private final transient AddressKind kind;

    BlockedAddressException(String host, AddressKind kind) {
        super(host + " leads to " + kind.describe() + ", which untrusted endpoints may not reach");
        this.kind = kind;
    }

    AddressKind kind() {
        return kind;
    }
}
