package dev.llmchat.server;

/** A configuration value is missing or wrong; the message is one line naming the variable and the fix. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
