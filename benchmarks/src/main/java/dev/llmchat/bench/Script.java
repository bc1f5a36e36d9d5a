package dev.llmchat.bench;

import java.nio.charset.StandardCharsets;

/**
 * What the fake upstream answers to one request: {@code chunks} pieces of text, the first after
 * {@code firstMicros}, the next ones every {@code gapMicros} (0: back to back, each flushed on its own;
 * negative: the whole stream in one write). It travels inside the newest user message as
 * {@code [[bench n=32 gap=20000 first=0 id=17]]}, so the same directive drives a turn through the server
 * (which forwards the message) and a direct request; the fake takes the last directive in the body,
 * which is the newest message's. {@code id} keys the fake's record of when each chunk left.
 */
record Script(int chunks, long gapMicros, long firstMicros, long id) {
    static final String OPEN = "[[bench ";
    private static final byte[] OPEN_BYTES = OPEN.getBytes(StandardCharsets.US_ASCII);

    /** Real multi-byte text: CJK, punctuation, emoji (surrogate pairs, a skin-tone sequence), a quote and a newline. */
    static final String[] PIECES = {
        "你好", "！", "我是", "一个", "基于", "大型", "语言", "模型", "的", "助手", "😀", "。", "今天", "我们", "来",
        "讨论", "性能", "优化", "🚀", "，", "每个", "令牌", "都", "很", "重要", "👍🏽", "吗", "？", "当然", "可以", "🌏",
        "“引号”", "\"q\"", "\n", "数据库", "写入", "延迟", "🙂", "流式", "输出",
    };

    Script {
        if (chunks < 1) throw new IllegalArgumentException("chunks must be positive");
    }

    String directive() {
        return OPEN + "n=" + chunks + " gap=" + gapMicros + " first=" + firstMicros + " id=" + id + "]]";
    }

    /** A user message carrying this script. */
    String message() {
        return "请用中文回答，简短一些。🙂 " + directive();
    }

    static String piece(long id, int i) {
        return PIECES[(int) Math.floorMod(id * 7 + i, (long) PIECES.length)];
    }

    /** The whole reply text the fake streams for this script. */
    String text() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chunks; i++) sb.append(piece(id, i));
        return sb.toString();
    }

    /** The last directive in {@code body[0, length)}, or {@code fallback}. */
    static Script find(byte[] body, int length, Script fallback) {
        int at = lastIndexOf(body, length, OPEN_BYTES);
        if (at < 0) return fallback;
        int end = at + OPEN_BYTES.length;
        int close = end;
        while (close + 1 < length && !(body[close] == ']' && body[close + 1] == ']')) close++;
        if (close + 1 >= length) return fallback;
        int n = fallback.chunks;
        long gap = fallback.gapMicros;
        long first = fallback.firstMicros;
        long id = 0;
        for (String kv : new String(body, end, close - end, StandardCharsets.US_ASCII).split(" ")) {
            int eq = kv.indexOf('=');
            if (eq < 0) continue;
            long v = Long.parseLong(kv.substring(eq + 1));
            switch (kv.substring(0, eq)) {
                case "n" -> n = (int) v;
                case "gap" -> gap = v;
                case "first" -> first = v;
                case "id" -> id = v;
                default -> { }
            }
        }
        return new Script(n, gap, first, id);
    }

    private static int lastIndexOf(byte[] hay, int length, byte[] needle) {
        outer:
        for (int i = length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
