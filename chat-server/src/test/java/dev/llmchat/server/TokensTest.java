package dev.llmchat.server;

import dev.llmchat.core.UserId;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class TokensTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
    private final Tokens tokens = new Tokens(SECRET, Duration.ofHours(1), NOW);

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void an_issued_token_names_its_user_until_it_expires() {
        String token = tokens.issue(new UserId(42));

        assertThat(tokens.verify(token)).contains(new UserId(42));
        Tokens later = new Tokens(SECRET, Duration.ofHours(1), Clock.offset(NOW, Duration.ofMinutes(61)));
        assertThat(later.verify(token)).isEmpty();
    }

    @Test
    void tampered_tokens_are_refused() {
        String token = tokens.issue(new UserId(42));
        String[] parts = token.split("\\.");
        String otherUser = parts[0] + "." + b64("{\"sub\":\"1\",\"iat\":0,\"exp\":9999999999}") + "." + parts[2];

        assertThat(tokens.verify(otherUser)).isEmpty();
        assertThat(tokens.verify(token.substring(0, token.length() - 2))).isEmpty();
        assertThat(tokens.verify(token + ".x")).isEmpty();
        assertThat(tokens.verify("")).isEmpty();
        assertThat(tokens.verify("a.b.c")).isEmpty();
    }

    @Test
    void unsigned_and_wrong_key_tokens_are_refused() {
        String payload = b64("{\"sub\":\"42\",\"iat\":0,\"exp\":9999999999}");
        String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + ".";
        String wrongKey = new Tokens("another-secret-another-secret-xx".getBytes(StandardCharsets.UTF_8), Duration.ofHours(1), NOW).issue(new UserId(42));

        assertThat(tokens.verify(none)).isEmpty();
        assertThat(tokens.verify(wrongKey)).isEmpty();
    }

    @Test
    void passwords_are_argon2id_hashes_that_verify_only_the_right_password() {
        PasswordHasher hasher = new PasswordHasher(1024, 2);

        String hash = hasher.hash("correct horse");

        assertThat(hash).startsWith("$argon2id$v=19$m=1024,t=2,p=1$");
        assertThat(hasher.hash("correct horse")).isNotEqualTo(hash);
        assertThat(hasher.verify("correct horse", hash)).isTrue();
        assertThat(hasher.verify("wrong horse", hash)).isFalse();
        assertThat(hasher.verify("correct horse", "$2b$10$notargon")).isFalse();
    }
}
