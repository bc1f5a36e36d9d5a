package dev.llmchat.core;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens with OpenAI's cl100k_base encoding. Other models' tokenizers differ, but for Chinese and
 * English text they land within a few percent; the context window keeps a margin for the difference.
 */
public final class JtokkitTokenCounter implements TokenCounter {
    /** Loading the encoding takes a noticeable part of start-up; the first turn pays it instead. */
    private static final class Holder {
        static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    }

    @Override
    public int count(String text) {
        return Holder.ENCODING.countTokensOrdinary(text);
    }
}
