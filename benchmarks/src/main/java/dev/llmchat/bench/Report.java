package dev.llmchat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes BENCHMARKS.md from the raw results of one bin/bench run: {@code load-<mode>.json} (LoadSuite),
 * {@code jmh-<mode>.json} (JMH) and {@code commands-<mode>.txt} (what bin/bench ran).
 * Usage: {@code Report --mode quick --results DIR --out BENCHMARKS.md --repo DIR}.
 */
public final class Report {
    private final StringBuilder md = new StringBuilder();
    private final JsonNode load;
    private final JsonNode jmh;
    private final String mode;
    private final Path results;
    private final Path repo;

    private Report(String mode, Path results, Path repo) throws IOException {
        this.mode = mode;
        this.results = results;
        this.repo = repo;
        Path l = results.resolve("load-" + mode + ".json");
        Path j = results.resolve("jmh-" + mode + ".json");
        load = Files.exists(l) ? Client.JSON.readTree(l.toFile()) : Client.JSON.createObjectNode();
        jmh = Files.exists(j) && Files.size(j) > 0 ? Client.JSON.readTree(j.toFile()) : Client.JSON.createArrayNode();
    }

    public static void main(String[] args) throws IOException {
        String mode = "quick";
        Path results = Path.of("benchmarks/results");
        Path out = Path.of("BENCHMARKS.md");
        Path repo = Path.of(".");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mode" -> mode = args[++i];
                case "--results" -> results = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--repo" -> repo = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Report r = new Report(mode, results, repo);
        Files.writeString(out, r.render());
        System.out.println("wrote " + out);
    }

    private String render() throws IOException {
        line("# Benchmarks");
        line();
        line("Written by `bin/bench" + (mode.equals("quick") ? "" : " --" + mode) + "` (" + mode + " mode) on " + load.path("started").asText("?")
                + " (finished " + load.path("finished").asText("?") + "). Every figure below was measured in that run; "
                + "\"not measured\" means the run did not measure it. Raw results: `benchmarks/results/load-" + mode + ".json`, `benchmarks/results/jmh-" + mode
                + ".json`, JFR recordings `benchmarks/results/profile-" + mode + "-*.jfr` (not committed).");
        line();
        machine();
        targets();
        scenarios();
        microbenchmarks();
        profiles();
        method();
        commands();
        return md.toString();
    }

    // ---------------------------------------------------------------- sections

    private void machine() throws IOException {
        JsonNode m = load.path("machine");
        line("## Machine and code");
        line();
        table(List.of("", ""), List.of(
                List.of("cores (nproc)", m.path("nproc").asText("?")),
                List.of("CPU", m.path("cpu_model").asText("?")),
                List.of("memory", m.path("memory").asText("?")),
                List.of("JDK (server, driver, JMH)", m.path("jdk").asText("?")),
                List.of("kernel", m.path("kernel").asText("?")),
                List.of("database files on", m.path("database_file_system").asText("?")),
                List.of("one 4 KiB write + fdatasync there (the floor of every durable commit)", m.path("fsync_us").has("p50")
                        ? "p50 " + m.path("fsync_us").path("p50").asLong() + " µs, p90 " + m.path("fsync_us").path("p90").asLong() + " µs, p99 "
                        + m.path("fsync_us").path("p99").asLong() + " µs (" + m.path("fsync_us").path("samples").asLong() + " samples)"
                        : "not measured"),
                List.of("open-file limit per process", m.path("open_file_limit").asText("?")),
                List.of("code", m.has("code") ? m.path("code").asText() + " (read when the load scenarios started)" : code(repo) + " (read when this report was written)")));
        line();
        line("Server, fake upstream and load driver share the two cores (the issue's setting); the fake runs inside the driver's JVM "
                + "except for the held-streams scenario, where it has its own process. The machine is not ours alone: other sessions' builds and "
                + "test runs may run at the same time. Each phase table shows the cores busy with *other processes* (machine busy minus server, "
                + "driver and fake) so a disturbed phase can be told apart; JMH has no such column, the load averages below bracket it.");
        line();
        Path loadavg = results.resolve("loadavg-" + mode + ".txt");
        if (Files.exists(loadavg)) {
            line("Load averages (1, 5, 15 min) around each step of this run: " + String.join("; ", Files.readAllLines(loadavg)) + ".");
            line();
        }
    }

    /** The options in bin/run's argument file, without its comments. */
    static String launcherOptions(Path repo) throws IOException {
        List<String> options = new ArrayList<>();
        for (String line : Files.readAllLines(repo.resolve(ServerProcess.OPTIONS_FILE))) {
            String option = line.replaceFirst("#.*", "").strip();
            if (!option.isEmpty()) options.add(option);
        }
        return String.join(" ", options);
    }

    /** The commit checked out and when the installed module jars were built. */
    static String code(Path repo) throws IOException {
        String head = "?";
        Path git = repo.resolve(".git");
        Path headFile = git.resolve("HEAD");
        if (Files.exists(headFile)) {
            String h = Files.readString(headFile).strip();
            if (h.startsWith("ref: ")) {
                String ref = h.substring(5);
                Path refFile = git.resolve(ref);
                if (Files.exists(refFile)) head = Files.readString(refFile).strip();
                else if (Files.exists(git.resolve("packed-refs"))) {
                    head = Files.readAllLines(git.resolve("packed-refs")).stream().filter(l -> l.endsWith(" " + ref)).map(l -> l.substring(0, 40)).findFirst().orElse("?");
                }
            } else {
                head = h;
            }
        }
        StringBuilder jars = new StringBuilder();
        Path cp = repo.resolve("benchmarks/target/server-classpath.txt");
        if (Files.exists(cp)) {
            for (String e : Files.readString(cp).strip().split(":")) {
                Path p = Path.of(e);
                if (p.getFileName().toString().startsWith("chat-") && Files.exists(p)) {
                    jars.append(jars.isEmpty() ? "" : ", ").append(p.getFileName().toString().replace("-0.1.0-SNAPSHOT.jar", ""))
                            .append(" ").append(Files.getLastModifiedTime(p).toInstant().toString().substring(0, 19)).append("Z");
                }
            }
        }
        return "commit " + (head.length() >= 12 ? head.substring(0, 12) : head) + " plus the working tree as installed in ~/.m2 (jars built: " + jars + ")";
    }

    private void targets() {
        line("## Targets (issue 6)");
        line();
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode t : load.path("targets")) {
            if (t.path("id").asText().equals("startup") || t.path("id").asText().equals("rss")) continue;
            rows.add(List.of(t.path("what").asText(), t.path("target").asText(), t.path("measured").asText(), t.path("baseline").asText(), verdict(t)));
        }
        rows.addAll(storeTargets());
        for (JsonNode t : load.path("targets")) {
            if (t.path("id").asText().equals("startup") || t.path("id").asText().equals("rss")) {
                rows.add(List.of(t.path("what").asText(), t.path("target").asText(), t.path("measured").asText(), t.path("baseline").asText(), verdict(t)));
            }
        }
        for (String id : List.of("ttft_1", "ttft_64", "gap", "cpu_paced", "cpu_b2b", "streams", "held", "turns", "startup", "rss")) {
            boolean found = false;
            for (JsonNode t : load.path("targets")) found |= t.path("id").asText().equals(id);
            if (!found) rows.add(List.of(id, "", "not measured (the scenario failed or did not run; see failures below)", "", "**not measured**"));
        }
        table(List.of("what", "target", "measured (server)", "baseline (direct to the fake, same run)", "verdict"), rows);
        line();
        if (load.has("failures")) {
            line("Scenarios that failed in this run:");
            load.path("failures").fields().forEachRemaining(e -> line("- " + e.getKey() + ": `" + e.getValue().asText() + "`"));
            line();
        }
        line("\"Added\" figures are the server's percentile minus the direct path's percentile, both measured in the same run "
                + "(interleaved phases, or alternating pairs for one client). CPU per chunk: *marginal* is the extra server CPU per turn of long "
                + "streams over short ones, divided by the extra chunks; *all-in* divides all server CPU of long-stream turns (auth, database, "
                + "prompt, bookkeeping included) by their chunks.");
        line();
    }

    private static String verdict(JsonNode t) {
        String v = t.path("verdict").asText();
        if (t.path("met").isBoolean()) return (t.path("met").asBoolean() ? "**met**" : "**missed**") + (v.equals("met") ? "" : ": " + v);
        return v;
    }

    private List<List<String>> storeTargets() {
        List<List<String>> rows = new ArrayList<>();
        for (String db : List.of("sqlite", "postgresql")) {
            List<String> parts = new ArrayList<>();
            double worst = 0;
            boolean all = true;
            List<String> sizes = new ArrayList<>();
            for (String method : List.of("historyFirstPage", "historyDeepPage", "historyNewConversation", "listFirstPage", "listDeepPage")) {
                JsonNode big = jmhResult("StoreBench." + method, Map.of("db", db, "size", "100000"));
                JsonNode small = jmhResult("StoreBench." + method, Map.of("db", db, "size", "1000"));
                if (big == null) {
                    all = false;
                    parts.add(method + ": not measured");
                    continue;
                }
                double p99 = pct(big, "99.0");
                worst = Math.max(worst, p99);
                parts.add(String.format("%s p99 %s", method, us(p99)));
                if (small != null) sizes.add(String.format("%s %.1f×", method, pct(big, "50.0") / pct(small, "50.0")));
            }
            String verdict = !all ? "**not measured** (part)" : worst <= 1000 ? "**met**" : "**missed**: " + LoadSuite.verdictAtMost(worst / 1000, 1, "ms") + " (worst page)";
            rows.add(List.of("history page of 100 / list page of 50 at 100,000 rows (and a new 6-message conversation's page beside them), " + (db.equals("sqlite") ? "SQLite" : "PostgreSQL") + " (JMH, store API)",
                    "p99 ≤ 1 ms; cost independent of size",
                    String.join("; ", parts) + (sizes.isEmpty() ? "" : ". p50 at 100,000 ÷ p50 at 1,000: " + String.join(", ", sizes)), "–", verdict));
        }
        return rows;
    }

    private void scenarios() {
        JsonNode s = load.path("scenarios");
        line("## Load scenarios");
        line();
        JsonNode w = s.path("warm_client");
        if (!w.isMissingNode()) {
            line("### A. Added time to first chunk, one warm client");
            line();
            line(w.path("what").asText() + ".");
            line();
            table(List.of("µs", "p50", "p90", "p99", "max"), List.of(
                    pcts("via server", w.path("ttft_server_us")),
                    pcts("direct", w.path("ttft_direct_us")),
                    pcts("paired difference", w.path("paired_difference_us"))));
            line();
            line("Errors: server " + w.path("errors_server").asLong() + ", direct " + w.path("errors_direct").asLong() + ".");
            line();
        }
        JsonNode b = s.path("sixty_four");
        if (!b.isMissingNode()) {
            line("### B. 64 concurrent streams (32 chunks at 20 ms)");
            line();
            line(b.path("what").asText() + ". *Transit* is the time from the fake's flush of a chunk to the driver's read of it (same clock, same JVM).");
            line();
            List<List<String>> rows = new ArrayList<>();
            for (String path : List.of("server", "direct")) {
                JsonNode p = b.path(path);
                rows.add(pcts("TTFT " + path, p.path("ttft_us")));
                rows.add(pcts("transit " + path, p.path("transit_us")));
                rows.add(pcts("gap " + path, p.path("gap_us")));
            }
            JsonNode spread = b.path("spread");
            for (String path : spread.isMissingNode() ? List.<String>of() : List.of("server", "direct")) {
                rows.add(pcts("TTFT " + path + ", starts spread", spread.path(path).path("ttft_us")));
            }
            table(List.of("µs", "p50", "p90", "p99", "max"), rows);
            line();
            if (!spread.isMissingNode()) {
                line(String.format("*Starts spread:* %s. Added TTFT p50 %+.2f ms, p99 %+.2f ms (all 64 at once: p50 %+.2f ms, p99 %+.2f ms).",
                        spread.path("what").asText(), spread.path("added_ttft_p50_us").asDouble() / 1000, spread.path("added_ttft_p99_us").asDouble() / 1000,
                        b.path("added_ttft_p50_us").asDouble() / 1000, b.path("added_ttft_p99_us").asDouble() / 1000));
                line();
            }
            phaseTable(List.of(b.path("server"), b.path("direct")));
        }
        JsonNode c = s.path("cpu_per_chunk");
        if (!c.isMissingNode()) {
            line("### C. Server CPU per relayed chunk");
            line();
            line(c.path("what").asText() + ".");
            line();
            phaseTable(List.of(c.path("paced_short"), c.path("paced_long"), c.path("b2b_short"), c.path("b2b_long"), c.path("b2b_long_direct")));
            line(String.format("Paced: marginal **%s µs**, all-in %s µs per chunk. Back to back: marginal **%s µs**, all-in %s µs per chunk.",
                    c.path("paced_marginal_us").asText(), c.path("paced_all_in_us").asText(), c.path("b2b_marginal_us").asText(), c.path("b2b_all_in_us").asText()));
            line();
        }
        JsonNode f = s.path("non_streamed");
        if (!f.isMissingNode()) {
            line("### F. Non-streamed turns per second");
            line();
            line(f.path("what").asText() + ".");
            line();
            table(List.of("µs per turn", "p50", "p90", "p99", "max"), List.of(pcts("via server", f.path("server").path("latency_us")), pcts("direct", f.path("direct").path("latency_us"))));
            line();
            phaseTable(List.of(f.path("server"), f.path("direct")));
        }
        JsonNode d = s.path("concurrency");
        if (!d.isMissingNode()) {
            line("### D. Concurrent streams at 50 chunks/s");
            line();
            line(d.path("what").asText() + ".");
            line();
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode st : d.path("steps")) rows.add(stepRow(st.path("streams").asText() + " via server", st));
            if (d.has("direct_at_largest")) rows.add(stepRow("largest, direct", d.path("direct_at_largest")));
            table(List.of("streams", "gap p50 ms", "gap p99 ms", "gap max ms", "TTFT p99 ms", "chunks/s", "errors", "server cores", "machine busy", "other processes (cores)"), rows);
            line();
        }
        JsonNode h = s.path("held");
        if (!h.isMissingNode()) {
            line("### H. Open streams held at once");
            line();
            line(h.path("what").asText(h.path("capped_because").asText("")) + ".");
            if (h.has("capped_because")) line("Capped: " + h.path("capped_because").asText() + ".");
            line();
            JsonNode dur = h.path("during");
            table(List.of("", ""), List.of(
                    List.of("streams asked / opened at once", h.path("streams").asText() + " / " + h.path("max_open_at_once").asText("?")),
                    List.of("errors", h.path("streams_result").path("errors").asText("?")),
                    List.of("server JVM flags", h.path("server_jvm_flags").asText("")),
                    List.of("upstream", h.path("upstream").asText("HTTP/1.1")),
                    List.of("heap used half-way (MiB)", dur.path("heap_used_mib").asText("?")),
                    List.of("heap after a full GC (MiB, live set)", dur.path("heap_used_after_full_gc_mib").asText("?")),
                    List.of("RSS half-way (MiB)", dur.path("rss_mib").asText("?")),
                    List.of("TTFT p50 / p99 (ms)", ms(h.path("streams_result").path("ttft_us").path("p50")) + " / " + ms(h.path("streams_result").path("ttft_us").path("p99"))),
                    List.of("gap p50 / p99 (ms)", ms(h.path("streams_result").path("gap_us").path("p50")) + " / " + ms(h.path("streams_result").path("gap_us").path("p99"))),
                    List.of("server cores busy", h.path("streams_result").path("cpu").path("server_cores_busy").asText("?"))));
            JsonNode hist = dur.path("class_histogram_top");
            if (hist.size() > 0) {
                line("Live heap by class while the streams were open (after the full GC; `jcmd GC.class_histogram`), per stream = bytes ÷ streams:");
                line();
                List<List<String>> rows = new ArrayList<>();
                int n = Math.max(1, h.path("streams").asInt());
                for (JsonNode k : hist) {
                    rows.add(List.of("`" + k.path("class").asText() + "`", k.path("instances").asText(), String.format(Locale.ROOT, "%.1f MiB", k.path("bytes").asDouble() / 1048576),
                            String.format(Locale.ROOT, "%.0f B", k.path("bytes").asDouble() / n)));
                }
                table(List.of("class", "instances", "bytes", "per stream"), rows);
            }
            line();
        }
        JsonNode st = s.path("startup");
        if (!st.isMissingNode()) {
            line("### Start-up");
            line();
            line(st.path("what").asText() + ": runs (ms) " + st.path("runs_ms") + ".");
            line();
            JsonNode sp = s.path("startup_profile");
            if (sp.has("top_ours")) {
                line("One more start recorded with JFR (" + sp.path("start_ms_with_jfr").asText() + " ms with the recording; " + sp.path("execution_samples").asText()
                        + " execution samples, all threads):");
                line();
                table(List.of("our frame (inclusive)", "%", "hottest method (self)", "%", "library (self)", "%"), zip(sp.path("top_ours"), sp.path("top_self"), sp.path("by_library"), 10));
                line();
            }
        }
        JsonNode soak = s.path("soak");
        if (!soak.isMissingNode()) {
            line("### Soak");
            line();
            line(soak.path("what").asText() + ":");
            line();
            line("`" + soak.path("rss_mib") + "`");
            line();
            phaseTable(List.of(soak.path("streams"), soak.path("non_streamed")));
        }
        JsonNode idle = s.path("idle");
        if (!idle.isMissingNode()) {
            line("Idle server (3 s before the first scenario): " + idle.path("server_cores_busy").asText() + " cores busy, RSS " + idle.path("rss_mib").asText() + " MiB.");
            line();
        }
        JsonNode jit = load.path("jit");
        if (jit.isObject() && !jit.isEmpty()) {
            line("### JIT compilation in the server during each step");
            line();
            line("The JIT compiler threads' time (HotSpot's `java.ci.totalTime`) during each step; it runs on the same two cores as everything else. "
                    + "A warm-up of " + (mode.equals("full") ? "2 × 30" : mode.equals("smoke") ? "2 × 1" : "2 × 15") + " s of streamed and non-streamed "
                    + "turns from 64 clients, not measured, runs before A, so that A meets a warm server.");
            line();
            List<List<String>> rows = new ArrayList<>();
            jit.fields().forEachRemaining(e -> rows.add(List.of(e.getKey(), e.getValue().path("seconds").asText(), e.getValue().path("compile_seconds").asText(),
                    String.format("%.0f%%", 100 * e.getValue().path("compile_seconds").asDouble() / Math.max(1e-9, e.getValue().path("seconds").asDouble())))));
            table(List.of("step", "s", "compiling s", "of one core"), rows);
            line();
        }
    }

    private void phaseTable(List<JsonNode> phases) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode p : phases) {
            if (p == null || p.isMissingNode() || p.isNull()) continue;
            JsonNode c = p.path("cpu");
            rows.add(List.of(p.path("name").asText(), p.path("seconds").asText(), p.path("turns").asText(), p.path("chunks").asText(),
                    p.path("turns_per_second").asText(), p.path("chunks_per_second").asText(), p.path("errors").asText(),
                    c.path("server_cores_busy").asText("–"), c.path("server_cpu_per_turn_us").asText("–"), c.path("server_cpu_per_chunk_us").asText("–"),
                    c.path("machine_busy_percent").asText("–") + "%", c.path("other_processes_cores_busy").asText("–")));
        }
        table(List.of("phase", "s", "turns", "chunks", "turns/s", "chunks/s", "errors", "server cores", "server CPU µs/turn", "server CPU µs/chunk", "machine busy",
                "other processes (cores)"), rows);
        line();
        for (JsonNode p : phases) {
            if (p != null && p.has("error_samples")) line("Errors in " + p.path("name").asText() + ", first ones: `" + p.path("error_samples") + "`");
        }
    }

    private static List<String> stepRow(String name, JsonNode st) {
        return List.of(name, ms(st.path("gap_us").path("p50")), ms(st.path("gap_us").path("p99")), ms(st.path("gap_us").path("max")), ms(st.path("ttft_us").path("p99")),
                st.path("chunks_per_second").asText(), st.path("errors").asText(), st.path("cpu").path("server_cores_busy").asText("–"),
                st.path("cpu").path("machine_busy_percent").asText("–") + "%", st.path("cpu").path("other_processes_cores_busy").asText("–"));
    }

    private void microbenchmarks() {
        line("## Microbenchmarks (JMH 1.37, one fork each, through public APIs)");
        line();
        if (!jmh.isArray() || jmh.isEmpty()) {
            line("Not measured: no JMH results in this run.");
            line();
            return;
        }
        line("JSON of chat bodies (Jackson, the calls the server makes; average time):");
        line();
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode r : jmh) {
            String name = r.path("benchmark").asText();
            if (!name.contains(".JsonBench.")) continue;
            rows.add(List.of(name.substring(name.lastIndexOf('.') + 1), String.format("%.0f ns", r.path("primaryMetric").path("score").asDouble())));
        }
        table(List.of("benchmark", "time/op"), rows);
        line();
        JsonNode one = jmhResult("RelayBench.stream", Map.of("chunks", "1"));
        JsonNode many = jmhResult("RelayBench.stream", Map.of("chunks", "256"));
        if (one != null && many != null) {
            double a = one.path("primaryMetric").path("score").asDouble();
            double b = many.path("primaryMetric").path("score").asDouble();
            line(String.format("SSE parse → relay → write (OpenAiChatModel against a local fake writing the whole stream at once; each delta framed as SseRelay does): "
                    + "1 chunk %.0f µs per stream, 256 chunks %.0f µs per stream → **%.2f µs per chunk** (wall time on one stream; OkHttp reader, "
                    + "chat-llm parsing and the listener, with the fake in the same JVM).", a, b, (b - a) / 255));
            line();
        }
        rows = new ArrayList<>();
        for (JsonNode r : jmh) {
            if (!r.path("benchmark").asText().endsWith("PromptBench.reply")) continue;
            rows.add(List.of(r.path("params").path("history").asText(), r.path("params").path("window").asText(),
                    String.format("%.0f µs", r.path("primaryMetric").path("score").asDouble())));
        }
        line("Prompt assembly with context trimming (ChatEngine.reply, in-memory store, model answering at once; the whole turn, since ContextWindow is package-private):");
        line();
        if (rows.isEmpty()) {
            line("Not measured: no PromptBench results in this run.");
        } else {
            table(List.of("stored messages", "context window (tokens)", "time per turn"), rows);
        }
        line();
        rows = new ArrayList<>();
        for (JsonNode r : jmh) {
            if (!r.path("benchmark").asText().endsWith("TurnBench.turn")) continue;
            rows.add(List.of(r.path("params").path("db").asText(), us(pct(r, "50.0")), us(pct(r, "90.0")), us(pct(r, "99.0")), us(pct(r, "100.0")),
                    Long.toString(sampleCount(r))));
        }
        line("One non-streamed turn through ChatEngine.reply on the real store (a conversation of 100 messages and growing, a model answering at "
                + "once, one thread; the settings and conversation rows, new history rows, prompt, the question's commit and the reply's commit: "
                + "the server's per-turn work without HTTP; sample time):");
        line();
        if (rows.isEmpty()) {
            line("Not measured: no TurnBench results in this run.");
        } else {
            table(List.of("database", "p50", "p90", "p99", "max", "samples"), rows);
        }
        line();
        rows = new ArrayList<>();
        for (JsonNode r : jmh) {
            String name = r.path("benchmark").asText();
            if (!name.contains(".StoreBench.")) continue;
            rows.add(List.of(r.path("params").path("db").asText(), name.substring(name.lastIndexOf('.') + 1), r.path("params").path("size").asText(),
                    us(pct(r, "50.0")), us(pct(r, "90.0")), us(pct(r, "99.0")), us(pct(r, "99.9")), us(pct(r, "100.0")),
                    r.path("primaryMetric").path("scoreConfidence").isArray() ? Long.toString(sampleCount(r)) : "?"));
        }
        if (!rows.isEmpty()) {
            line("Store pages (SqlStore.history limit 100, SqlStore.list limit 50; sample time):");
            line();
            table(List.of("database", "page", "rows", "p50", "p90", "p99", "p99.9", "max", "samples"), rows);
            line();
        }
    }

    private static long sampleCount(JsonNode r) {
        long n = 0;
        for (JsonNode it : r.path("primaryMetric").path("rawDataHistogram")) {
            for (JsonNode iteration : it) for (JsonNode bin : iteration) n += bin.get(1).asLong();
        }
        return n;
    }

    private void profiles() {
        JsonNode p = load.path("scenarios").path("profiles");
        if (p.isMissingNode()) return;
        line("## Profiles of the server (JFR)");
        line();
        line(p.path("what").asText() + ". \"Ours\" attributes each sample to the first `dev.llmchat` frame on its stack (so it includes what that method calls).");
        line();
        for (String name : List.of("paced_streams", "b2b_streams", "non_streamed")) {
            JsonNode r = p.path(name);
            if (r.isMissingNode()) continue;
            line("### " + name.replace('_', ' ') + " (" + r.path("execution_samples").asText() + " execution samples, "
                    + r.path("turns_per_second_while_recording").asText() + " turns/s while recording)");
            line();
            table(List.of("our frame (inclusive)", "%", "hottest method (self)", "%", "library (self)", "%"), zip(r.path("top_ours"), r.path("top_self"), r.path("by_library"), 12));
            line();
            StringBuilder sb = new StringBuilder("Threads in native code (waiting counts too): ");
            for (JsonNode n : r.path("top_native")) sb.append("`").append(n.path("frame").asText()).append("` ").append(n.path("percent").asText()).append("%; ");
            line(sb.toString());
            line();
            line("Pinned virtual threads: " + (r.path("pinned_virtual_threads").isEmpty() ? "none recorded" : r.path("pinned_virtual_threads").toString())
                    + ". Contended monitors: " + (r.path("contended_monitors").isEmpty() ? "none recorded" : r.path("contended_monitors").toString()) + ".");
            line();
        }
    }

    private static List<List<String>> zip(JsonNode a, JsonNode b, JsonNode c, int n) {
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(List.of(cell(a, i, "frame"), cell(a, i, "percent"), cell(b, i, "frame"), cell(b, i, "percent"), cell(c, i, "frame"), cell(c, i, "percent")));
        }
        return rows;
    }

    private static String cell(JsonNode arr, int i, String field) {
        return i < arr.size() ? arr.get(i).path(field).asText() : "";
    }

    private void method() throws IOException {
        JsonNode server = load.path("server");
        line("## How it was measured");
        line();
        line("- **Fake upstream** (`benchmarks/src/main/java/dev/llmchat/bench/FakeUpstream.java`): JDK HttpServer on virtual threads, TCP_NODELAY; "
                + "vLLM framing (role-only first chunk, one chunk per piece, a `finish_reason` chunk, `[DONE]`), pieces of Chinese text and emoji "
                + "(surrogate pairs, a skin-tone sequence), a quote and a newline; first-token delay and inter-chunk gap on an absolute schedule; "
                + "non-streamed requests answered whole. Each request's script travels in the newest user message (`[[bench n=… gap=… first=… id=…]]`), "
                + "so the same turn can go through the server or straight to the fake.");
        line("- **Load driver** (`LoadSuite`, `Client`, `HttpConn`): one virtual thread and one persistent HTTP/1.1 socket per client; each server "
                + "client registers its own account and opens its own conversation, then POSTs `/chat` in a loop. Events are timestamped by the socket read that completed them; "
                + "every reply is compared with the text the fake sent (a mismatch counts as an error). Histograms: HdrHistogram, 3 significant digits.");
        line("- **Baseline**: the same driver straight to the fake, in the same run: alternating pairs (A), or phases alternating with the server's (B, C, F, D). "
                + "The direct request carries the conversation so far (≤ 200 messages), about what the server forwards.");
        line("- **CPU**: utime+stime of the server process from `/proc/<pid>/stat` over each phase; machine share from `/proc/stat`.");
        line("- **Server**: its own JVM, `" + String.join(" ", toList(server.path("command"))) + "`, with bin/run's JVM options (`bin/server-jvm-options`: `" + launcherOptions(repo) + "`; "
                + "the collector and heap size as the JVM chooses them otherwise), plus `-Xmx1g` for the held-streams server. Environment: `" + env(server.path("environment")) + "`. Rate limits are off, registration uses Argon2id with 1 MiB "
                + "(`PASSWORD_HASH_MEMORY_KIB=1024`, the minimum) so creating a thousand accounts does not dominate, the preset points at the fake "
                + "(presets are trusted, so no outbound policy is involved). `LOG_LEVEL` is the default INFO (a line per request, per turn and per model call, to a file). "
                + "SQLite as the store sets it (WAL, synchronous=FULL).");
        line("- **JMH**: `-f 1`, warm-up and measurement as in the command below; store benchmarks in sample-time mode for percentiles. "
                + "The JSON and relay benchmarks repeat the server's package-private calls (Body, Json, SseRelay, Wire) one for one; "
                + "prompt assembly goes through ChatEngine.reply with an in-memory store (ContextWindow is package-private).");
        line("- **Profiles**: `jcmd <pid> JFR.start settings=profile` on the running server after the measured phases, summarised from the recording "
                + "(`Profile.java`; the same data as `jfr print --events jdk.ExecutionSample`).");
        line();
    }

    private static List<String> toList(JsonNode arr) {
        List<String> l = new ArrayList<>();
        arr.forEach(n -> l.add(n.asText()));
        return l;
    }

    private static String env(JsonNode env) {
        List<String> l = new ArrayList<>();
        env.fields().forEachRemaining(e -> {
            String v = e.getValue().asText();
            if (e.getKey().equals("DATABASE_URL")) v = "sqlite:///<temp dir>/bench.db";
            if (e.getKey().equals("DATA_DIR")) v = "<temp dir>/data";
            if (e.getKey().equals("PORT")) v = "<free port>";
            if (e.getKey().equals("LLM_API_URL")) v = "http://127.0.0.1:<fake>/v1";
            l.add(e.getKey() + "=" + v);
        });
        return String.join(" ", l);
    }

    private void commands() throws IOException {
        line("## Commands");
        line();
        line("```sh");
        line("bin/bench" + (mode.equals("quick") ? "" : " --" + mode) + "    # all of the below");
        Path c = results.resolve("commands-" + mode + ".txt");
        if (Files.exists(c)) Files.readAllLines(c).forEach(this::line);
        line("```");
        line();
        line("_Generated " + Instant.now().toString().substring(0, 19) + "Z by `benchmarks/src/main/java/dev/llmchat/bench/Report.java`._");
        line();
    }

    // ---------------------------------------------------------------- helpers

    private JsonNode jmhResult(String benchmark, Map<String, String> params) {
        for (JsonNode r : jmh) {
            if (!r.path("benchmark").asText().endsWith("." + benchmark)) continue;
            boolean match = true;
            for (var e : params.entrySet()) match &= r.path("params").path(e.getKey()).asText().equals(e.getValue());
            if (match) return r;
        }
        return null;
    }

    private static double pct(JsonNode r, String p) {
        JsonNode v = r.path("primaryMetric").path("scorePercentiles").path(p);
        return v.isMissingNode() ? Double.NaN : v.asDouble();
    }

    private static String us(double v) {
        if (Double.isNaN(v)) return "–";
        return v >= 1000 ? String.format(Locale.ROOT, "%.2f ms", v / 1000) : String.format(Locale.ROOT, "%.0f µs", v);
    }

    private static String ms(JsonNode us) {
        return us.isMissingNode() ? "–" : String.format(Locale.ROOT, "%.2f", us.asDouble() / 1000);
    }

    private static List<String> pcts(String name, JsonNode p) {
        if (p.isMissingNode()) return List.of(name, "–", "–", "–", "–");
        return List.of(name, p.path("p50").asText(), p.path("p90").asText(), p.path("p99").asText(), p.path("max").asText());
    }

    private void table(List<String> head, List<List<String>> rows) {
        line("| " + String.join(" | ", head) + " |");
        line("|" + "---|".repeat(head.size()));
        for (List<String> r : rows) line("| " + String.join(" | ", r.stream().map(s -> s.replace("|", "\\|").replace("\n", " ")).toList()) + " |");
    }

    private void line(String s) {
        md.append(s).append('\n');
    }

    private void line() {
        md.append('\n');
    }
}
