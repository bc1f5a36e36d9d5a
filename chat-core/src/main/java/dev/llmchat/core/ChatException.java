package dev.llmchat.core;

/** Root of the core's unchecked exceptions; {@link #code()} is a stable machine-readable reason. */
public class ChatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public ChatException(String code, String message) {
        super(message);
        this.code = code;
    }

    public ChatException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
