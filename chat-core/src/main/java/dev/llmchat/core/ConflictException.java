package dev.llmchat.core;

/** The request clashes with what is stored (a taken username, for example). */
public final class ConflictException extends ChatException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String code, String message) {
        super(code, message);
    }
}
