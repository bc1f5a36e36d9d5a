package dev.llmchat.core;

/** Masking of API keys for display: never more than a few characters of a key leave the server. */
public final class Secrets {
    private Secrets() {
    }

    /** {@code sk-…a1b2} for long keys, {@code …} for short ones, {@code ""} for none. */
    public static String mask(String key) {
        if (key == null || key.isEmpty()) return "";
        if (key.length() < 12) return "…";
        String prefix = key.startsWith("sk-") ? "sk-" : "";
        return prefix + "…" + key.substring(key.length() - 4);
    }
}
