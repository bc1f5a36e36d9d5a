package dev.llmchat.store;

/**
 * How {@link SqlStore#open(String, StoreOptions)} treats what it finds: when it upgrades a database of the
 * original Python backend, conversations without an owner go to the administrator account {@code legacyOwner}
 * (created with {@code legacyOwnerPasswordHash}, an opaque value the server can verify; the default never verifies), and
 * conversations without a title get {@code defaultTitle}. Use {@link #DEFAULTS} and change what you need.
 */
public record StoreOptions(String legacyOwner, String legacyOwnerPasswordHash, String defaultTitle) {
    /** A password hash no password verifies: the account exists but nobody can log in until it is reset. */
    public static final String LOCKED_PASSWORD_HASH = "!locked";
    public static final StoreOptions DEFAULTS = new StoreOptions("legacy", LOCKED_PASSWORD_HASH, "新对话");

    public StoreOptions {
        if (legacyOwner == null || legacyOwner.isBlank()) throw new IllegalArgumentException("legacyOwner must not be blank");
        if (legacyOwnerPasswordHash == null || legacyOwnerPasswordHash.isEmpty()) {
            throw new IllegalArgumentException("legacyOwnerPasswordHash must not be empty (use LOCKED_PASSWORD_HASH)");
        }
        if (defaultTitle == null) throw new IllegalArgumentException("defaultTitle must not be null");
    }
}
