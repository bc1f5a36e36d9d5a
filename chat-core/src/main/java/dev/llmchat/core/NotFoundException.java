package dev.llmchat.core;

/** The thing asked for does not exist or belongs to someone else (the two are never told apart). */
public final class NotFoundException extends ChatException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String code, String message) {
        super(code, message);
    }

    public static NotFoundException conversation() {
        return new NotFoundException("conversation_not_found", "Conversation not found");
    }
}
