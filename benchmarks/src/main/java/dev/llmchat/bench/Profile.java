package dev.llmchat.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording of the server (settings=profile) the way one reads {@code jfr print --events
 * jdk.ExecutionSample}: the hottest methods by self samples, the hottest of our own methods (the first
 * {@code dev.llmchat} frame of each sample, i.e. time spent in or below it), samples by library, where
 * threads sat in native code (socket I/O, SQLite), pinned virtual threads and contended monitors.
 */
final class Profile {
    private Profile() {
    }

    static ObjectNode summarize(Path file, int top) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> ours = new HashMap<>();
        Map<String, Integer> packages = new HashMap<>();
        Map<String, Integer> natives = new HashMap<>();
        Map<String, Integer> pinned = new HashMap<>();
        Map<String, Integer> monitors = new HashMap<>();
        Map<String, Integer> parks = new HashMap<>();
        int samples = 0;
        int nativeSamples = 0;
        try (RecordingFile rf = new RecordingFile(file)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                String type = e.getEventType().getName();
                RecordedStackTrace st = e.getStackTrace();
                List<RecordedFrame> frames = st == null ? List.of() : st.getFrames();
                switch (type) {
                    case "jdk.ExecutionSample" -> {
                        if (frames.isEmpty()) continue;
                        samples++;
                        self.merge(name(frames.get(0)) + caller(frames), 1, Integer::sum);
                        packages.merge(library(frames.get(0)), 1, Integer::sum);
                        String our = firstOurs(frames);
                        ours.merge(our == null ? "(no dev.llmchat frame: Jetty/OkHttp/JDK threads)" : our, 1, Integer::sum);
                    }
                    case "jdk.NativeMethodSample" -> {
                        if (frames.isEmpty()) continue;
                        nativeSamples++;
                        String our = firstOurs(frames);
                        natives.merge(name(frames.get(0)) + (our == null ? "" : "  ← " + our), 1, Integer::sum);
                    }
                    case "jdk.VirtualThreadPinned" -> {
                        String our = firstOurs(frames);
                        pinned.merge(our != null ? our : frames.isEmpty() ? "?" : name(frames.get(0)), 1, Integer::sum);
                    }
                    case "jdk.JavaMonitorEnter" -> {
                        Object cls = e.getValue("monitorClass");
                        String monitor = cls instanceof jdk.jfr.consumer.RecordedClass c ? c.getName() : "?";
                        String our = firstOurs(frames);
                        monitors.merge(monitor + (our == null ? "" : "  ← " + our), 1, Integer::sum);
                    }
                    case "jdk.ThreadPark" -> {
                        String our = firstOurs(frames);
                        if (our != null) parks.merge(our, 1, Integer::sum);
                    }
                    default -> { }
                }
            }
        }
        ObjectNode n = Client.JSON.createObjectNode();
        n.put("file", file.toString());
        n.put("execution_samples", samples);
        n.put("native_samples", nativeSamples);
        n.set("top_self", top(self, samples, top));
        n.set("top_ours", top(ours, samples, top));
        n.set("by_library", top(packages, samples, 12));
        n.set("top_native", top(natives, nativeSamples, 10));
        n.set("pinned_virtual_threads", top(pinned, -1, 10));
        n.set("contended_monitors", top(monitors, -1, 10));
        n.set("long_parks_ours", top(parks, -1, 10));
        return n;
    }

    private static ArrayNode top(Map<String, Integer> counts, int total, int limit) {
        ArrayNode a = Client.JSON.createArrayNode();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit).forEach(en -> {
            ObjectNode o = a.addObject().put("frame", en.getKey()).put("count", en.getValue());
            if (total > 0) o.put("percent", Tally.round(100.0 * en.getValue() / total));
        });
        return a;
    }

    /** For a JDK method, the first caller outside the JDK (whose HashMap.getNode is it?). */
    private static String caller(List<RecordedFrame> frames) {
        if (!isJdk(frames.get(0))) return "";
        for (RecordedFrame f : frames) {
            if (!isJdk(f)) return " ← " + name(f);
        }
        return "";
    }

    private static boolean isJdk(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        if (m == null) return true;
        String t = m.getType().getName();
        return t.startsWith("java.") || t.startsWith("jdk.") || t.startsWith("sun.") || t.startsWith("kotlin.");
    }

    private static String firstOurs(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            RecordedMethod m = f.getMethod();
            if (m != null && m.getType().getName().startsWith("dev.llmchat.")) return name(f);
        }
        return null;
    }

    private static String name(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        if (m == null) return "?";
        String type = m.getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + m.getName() + (f.isJavaFrame() ? "" : " [native]");
    }

    private static final List<Map.Entry<String, String>> LIBRARIES = List.of(
            Map.entry("dev.llmchat.", "dev.llmchat (ours)"),
            Map.entry("com.fasterxml.jackson.", "Jackson"),
            Map.entry("org.eclipse.jetty.", "Jetty"),
            Map.entry("io.javalin.", "Javalin"),
            Map.entry("okhttp3.", "OkHttp"),
            Map.entry("okio.", "Okio"),
            Map.entry("kotlin", "Kotlin stdlib"),
            Map.entry("org.sqlite.", "sqlite-jdbc"),
            Map.entry("org.jdbi.", "Jdbi"),
            Map.entry("com.zaxxer.", "HikariCP"),
            Map.entry("com.knuddels.jtokkit", "JTokkit"),
            Map.entry("ch.qos.logback", "Logback"),
            Map.entry("org.slf4j", "SLF4J"),
            Map.entry("io.micrometer", "Micrometer"),
            Map.entry("org.bouncycastle", "BouncyCastle"),
            Map.entry("java.util.regex", "JDK regex"),
            Map.entry("java.util.concurrent", "JDK concurrency"),
            Map.entry("sun.nio.", "JDK NIO"),
            Map.entry("java.nio.", "JDK NIO"),
            Map.entry("java.", "JDK other"),
            Map.entry("jdk.", "JDK other"),
            Map.entry("sun.", "JDK other"));

    private static String library(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        if (m == null) return "?";
        String type = m.getType().getName();
        return LIBRARIES.stream().filter(l -> type.startsWith(l.getKey())).map(Map.Entry::getValue).findFirst().orElseGet(() -> {
            int dot = type.indexOf('.', type.indexOf('.') + 1);
            return dot < 0 ? type : type.substring(0, dot);
        });
    }
}
