package dev.llmchat.core;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AES-256-GCM for stored secrets: {@code aesgcm:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>}. The key id
 * (first 8 hex digits of the key's SHA-256) says which key sealed a value, so keys can be rotated:
 * seal with the new key and keep old keys for opening until every value has been sealed again.
 */
public final class AesGcmCipher implements SecretCipher {
    private static final String PREFIX = "aesgcm:";
    private static final int NONCE_BYTES = 12;
    private final SecureRandom random = new SecureRandom();
    private final String currentId;
    private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();

    /** @param current the 32-byte key that seals; {@code retired} keys only open */
    public AesGcmCipher(byte[] current, List<byte[]> retired) {
        this.currentId = add(current);
        for (byte[] k : retired) add(k);
    }

    private String add(byte[] key) {
        if (key.length != 32) throw new IllegalArgumentException("an AES-256 key is 32 bytes, got " + key.length);
        String id = keyId(key);
        keys.putIfAbsent(id, new SecretKeySpec(key.clone(), "AES"));
        return id;
    }

    static String keyId(byte[] key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String seal(String plain) {
        if (plain.isEmpty()) return plain;
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(128, nonce));
            c.updateAAD(currentId.getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return PREFIX + currentId + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    @Override
    public String open(String stored) {
        if (!stored.startsWith(PREFIX)) return stored;
        String[] parts = stored.split(":", 3);
        SecretKeySpec key = parts.length == 3 ? keys.get(parts[1]) : null;
        if (key == null) {
            throw new ChatException("secret_key_missing", "A stored API key was sealed with a key this server does not have (key id "
                    + (parts.length == 3 ? parts[1] : "?") + "); configure it in SECRETS_OLD_KEYS");
        }
        try {
            byte[] in = Base64.getDecoder().decode(parts[2]);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, NONCE_BYTES));
            c.updateAAD(parts[1].getBytes(StandardCharsets.US_ASCII));
            return new String(c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ChatException("secret_corrupt", "A stored API key could not be decrypted; save it again in your model settings", e);
        }
    }

    @Override
    public boolean stale(String stored) {
        return !stored.isEmpty() && !stored.startsWith(PREFIX + currentId + ":");
    }
}
