package dev.llmchat.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AesGcmCipherTest {
    private static byte[] key(int fill) {
        byte[] k = new byte[32];
        java.util.Arrays.fill(k, (byte) fill);
        return k;
    }

    @Test
    void sealed_keys_do_not_show_the_plain_text_and_open_again() {
        AesGcmCipher cipher = new AesGcmCipher(key(1), List.of());

        String sealed = cipher.seal("sk-user-secret-1234");

        assertThat(sealed).startsWith("aesgcm:").doesNotContain("secret");
        assertThat(cipher.seal("sk-user-secret-1234")).isNotEqualTo(sealed);
        assertThat(cipher.open(sealed)).isEqualTo("sk-user-secret-1234");
        assertThat(cipher.stale(sealed)).isFalse();
    }

    @Test
    void a_rotated_key_still_opens_old_values_and_marks_them_stale() {
        String old = new AesGcmCipher(key(1), List.of()).seal("sk-old");
        AesGcmCipher rotated = new AesGcmCipher(key(2), List.of(key(1)));

        assertThat(rotated.open(old)).isEqualTo("sk-old");
        assertThat(rotated.stale(old)).isTrue();
        assertThat(rotated.stale(rotated.seal("sk-old"))).isFalse();
    }

    @Test
    void plain_text_from_before_encryption_is_read_as_is_and_is_stale() {
        AesGcmCipher cipher = new AesGcmCipher(key(1), List.of());

        assertThat(cipher.open("sk-plain")).isEqualTo("sk-plain");
        assertThat(cipher.stale("sk-plain")).isTrue();
        assertThat(cipher.seal("")).isEmpty();
    }

    @Test
    void tampered_or_unknown_key_values_are_refused() {
        AesGcmCipher cipher = new AesGcmCipher(key(1), List.of());
        String sealed = cipher.seal("sk-user");
        String tampered = sealed.substring(0, sealed.length() - 3) + (sealed.endsWith("A==") ? "B==" : "A==");

        assertThatThrownBy(() -> cipher.open(tampered)).isInstanceOf(ChatException.class);
        assertThatThrownBy(() -> new AesGcmCipher(key(3), List.of()).open(sealed)).hasMessageContaining("SECRETS_OLD_KEYS");
    }
}
