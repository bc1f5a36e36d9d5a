package dev.llmchat.llm.internal;

import dev.llmchat.core.ModelException;
import dev.llmchat.core.Usage;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** One INFO line per upstream call as it ends: where (host and path only, never query or key), how long, how it ended. */
final class CallLog {
    private static final System.Logger LOG = System.getLogger("dev.llmchat.llm.OpenAiChatModel");

    private CallLog() {
    }

    /** {@code firstNanos}: when the first text (or, for whole replies, the response) arrived; 0 if it never did. */
    static void ended(Target target, boolean stream, int status, long startNanos, long firstNanos, Usage usage, ModelException failure) {
        if (!LOG.isLoggable(Level.INFO)) return;
        long end = System.nanoTime();
        String line = "POST " + target.display()
                + " model=" + target.model()
                + " stream=" + stream
                + " status=" + (status == 0 ? "-" : Integer.toString(status))
                + " first_token_ms=" + (firstNanos == 0 ? "-" : Long.toString(TimeUnit.NANOSECONDS.toMillis(firstNanos - startNanos)))
                + " total_ms=" + TimeUnit.NANOSECONDS.toMillis(end - startNanos)
                + " tokens=" + (usage.known() ? usage.promptTokens() + "+" + usage.completionTokens() : "-")
                + " outcome=" + (failure == null ? "complete" : failure.failure().name().toLowerCase(Locale.ROOT));
        LOG.log(Level.INFO, line);
    }
}
