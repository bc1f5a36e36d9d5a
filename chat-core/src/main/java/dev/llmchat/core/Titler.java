package dev.llmchat.core;

import java.lang.System.Logger.Level;
import java.util.List;

/** Asks the conversation's model for a short title after the first exchange, as the seed did. */
final class Titler {
    static final int MAX_CHARS = 20;
    private static final System.Logger LOG = System.getLogger(Titler.class.getName());
    private static final String INSTRUCTION = "Write a short title (at most " + MAX_CHARS + " characters) for the conversation below, "
            + "in the language of the conversation. Answer with the title only: no quotes, no punctuation at the end.";

    private final ChatModel model;
    private final ConversationStore store;
    private final String defaultTitle;

    Titler(ChatModel model, ConversationStore store, String defaultTitle) {
        this.model = model;
        this.store = store;
        this.defaultTitle = defaultTitle;
    }

    void title(ConversationId id, ModelEndpoint endpoint, String question, String answer) {
        try {
            String excerpt = "User: " + clip(question, 1000) + "\nAssistant: " + clip(answer, 1000);
            ChatRequest request = new ChatRequest(endpoint, List.of(
                    new ChatMessage(Role.SYSTEM, INSTRUCTION), new ChatMessage(Role.USER, excerpt)), 0.3, 48);
            String title = clean(model.complete(request).text());
            if (title.isEmpty()) {
                LOG.log(Level.INFO, "title for {0}: the model answered nothing usable, default title kept", id);
            } else if (store.retitle(id, defaultTitle, title)) {
                LOG.log(Level.DEBUG, "title for {0}: {1}", id, title);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "title for {0} failed, default title kept: {1}", id, e.getMessage());
        }
    }

    /** First line, without quotes, a "Title:" label or trailing punctuation, at most {@link #MAX_CHARS} characters. */
    static String clean(String raw) {
        String s = raw.strip();
        // reasoning models may think aloud before answering
        int think = s.lastIndexOf("</think>");
        if (think >= 0) s = s.substring(think + "</think>".length()).strip();
        int nl = s.indexOf('\n');
        if (nl >= 0) s = s.substring(0, nl).strip();
        s = s.replaceFirst("(?i)^(title|标题)\\s*[:：]\\s*", "");
        s = s.replaceAll("^[\"'“”‘’「」『』《》*#\\s]+|[\"'“”‘’「」『』《》*\\s]+$", "");
        s = s.replaceAll("[。.！!？?，,；;：:]+$", "").strip();
        if (s.codePointCount(0, s.length()) > MAX_CHARS) s = s.substring(0, s.offsetByCodePoints(0, MAX_CHARS)).strip();
        return s;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, s.offsetByCodePoints(0, Math.min(max, s.codePointCount(0, s.length())))) + "…";
    }
}
