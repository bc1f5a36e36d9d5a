package dev.llmchat.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmchat.core.UserId;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Bearer tokens: compact JWTs signed with HMAC-SHA256. Only {@code HS256} is accepted (no {@code none},
 * no algorithm the token chooses), the signature is compared in constant time and {@code exp} is
 * enforced. Several servers sharing one secret accept each other's tokens.
 */
final class Tokens {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final String HEADER = B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

    /** Keyed once; each signature works on a copy (looking the algorithm up and keying it cost more than signing). */
    private final Mac keyed;
    private final Duration ttl;
    private final Clock clock;

    Tokens(byte[] secret, Duration ttl, Clock clock) {
        try {
            this.keyed = Mac.getInstance("HmacSHA256");
            keyed.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
        this.ttl = ttl;
        this.clock = clock;
    }

    Duration ttl() {
        return ttl;
    }

    String issue(UserId user) {
        long now = clock.instant().getEpochSecond();
        String payload = "{\"sub\":\"" + user.value() + "\",\"iat\":" + now + ",\"exp\":" + (now + ttl.toSeconds()) + "}";
        String unsigned = HEADER + "." + B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return unsigned + "." + B64.encodeToString(sign(unsigned));
    }

    /** The user a valid, unexpired token names; empty for anything else. */
    Optional<UserId> verify(String token) {
        if (token == null || token.length() > 4096) return Optional.empty();
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) return Optional.empty();
        try {
            if (!parts[0].equals(HEADER)) {
                JsonNode header = Json.MAPPER.readTree(B64D.decode(parts[0]));
                if (header == null || !"HS256".equals(header.path("alg").asText())) return Optional.empty();
            }
            byte[] signature = B64D.decode(parts[2]);
            if (!MessageDigest.isEqual(signature, sign(parts[0] + "." + parts[1]))) return Optional.empty();
            JsonNode payload = Json.MAPPER.readTree(B64D.decode(parts[1]));
            if (payload == null || !payload.path("exp").canConvertToLong()) return Optional.empty();
            if (payload.path("exp").asLong() <= clock.instant().getEpochSecond()) return Optional.empty();
            long id = Long.parseLong(payload.path("sub").asText());
            return id > 0 ? Optional.of(new UserId(id)) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private byte[] sign(String data) {
        try {
            Mac mac = (Mac) keyed.clone();
            return mac.doFinal(data.getBytes(StandardCharsets.US_ASCII));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 cannot be copied", e);
        }
    }

    /** The configured secret (any text of at least 32 bytes) or the generated {@code DATA_DIR/token-secret}. */
    static byte[] secret(String configured, Path dataDir) {
        if (!configured.isEmpty()) return configured.getBytes(StandardCharsets.UTF_8);
        return KeyFiles.configuredOrGenerated("", "TOKEN_SECRET", dataDir, "token-secret");
    }
}
