package dev.llmchat.core;

/** The caller sent something the core will not act on; nothing was stored or sent. */
public final class InvalidInputException extends ChatException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String code, String message) {
        super(code, message);
    }
}
