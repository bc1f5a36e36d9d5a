package dev.llmchat.core;

/**
 * Encrypts users' API keys before they are stored and decrypts them when read, so that the database
 * alone does not reveal them. {@link #open} accepts anything {@link #seal} produced with a current or
 * retired key, and also plain text stored before encryption was enabled.
 */
public interface SecretCipher {
    String seal(String plain);

    String open(String stored);

    /** Whether {@code stored} should be sealed again (plain text, or sealed with a retired key). */
    boolean stale(String stored);
}
