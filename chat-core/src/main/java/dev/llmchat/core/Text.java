package dev.llmchat.core;

/** Rules for text people send: no control characters but tab and line breaks, no broken surrogate pairs (no database stores them all). */
final class Text {
    private Text() {
    }

    static String check(String field, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F) {
                throw new InvalidInputException("invalid_characters", field + " contains a control character (U+" + String.format("%04X", (int) c) + ")");
            }
            if (Character.isHighSurrogate(c) && (i + 1 == value.length() || !Character.isLowSurrogate(value.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(value.charAt(i - 1)))) {
                throw new InvalidInputException("invalid_characters", field + " contains a broken UTF-16 surrogate");
            }
        }
        return value;
    }
}
