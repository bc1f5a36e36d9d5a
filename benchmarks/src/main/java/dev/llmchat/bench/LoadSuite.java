package dev.llmchat.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load half of the suite: starts the fake upstream (in this JVM) and the chat server (its own JVM), then
 * runs each scenario of issue 6 with the direct path to the fake measured in the same run, interleaved, as
 * the baseline. Writes everything it measured to {@code load-<mode>.json}, including a verdict per target.
 * Usage: {@code LoadSuite --mode quick|full --out DIR --server-classpath FILE --work DIR [--only A,F,...]}; the
 * environment variable {@code BENCH_SERVER_OPTS} adds JVM options to the measured server (a profiler, say).
 */
public final class LoadSuite {
    private static final String HOST = "127.0.0.1";
    private static final String PASSWORD = "bench-password-1";

    /** How long and how wide each scenario runs. */
    private record Plan(String mode, int startupRuns, int warmPairs, int pairs, double bPhase, int bRounds, double cLong, double cB2b,
                        double cDirect, double fServer, double fDirect, int[] steps, double stepPhase, double profile, double soak,
                        double soakSample, int held, int heldChunks, double warmUp) {
        static Plan of(String mode) {
            if (mode.equals("smoke")) {
                // seconds, for checking the suite itself; its figures mean nothing
                return new Plan(mode, 1, 10, 50, 2, 1, 3, 2, 1, 2, 1, new int[] {50, 100}, 4, 2, 6, 1, 100, 12, 1);
            }
            return mode.equals("full")
                    ? new Plan(mode, 10, 2000, 2000, 20, 3, 30, 15, 10, 30, 15, new int[] {50, 100, 250, 500, 1000, 2000}, 20, 15, 600, 10, 10_000, 120, 30)
                    : new Plan(mode, 5, 1000, 600, 8, 3, 10, 8, 5, 10, 5, new int[] {50, 100, 250, 500, 1000}, 12, 8, 60, 2, 10_000, 60, 15);
        }
    }

    private final Plan plan;
    private final Path out;
    private final Path work;
    private final String serverClasspath;
    private final ObjectNode results = Client.JSON.createObjectNode();
    private final ObjectNode scenarios = results.putObject("scenarios");
    private final ArrayNode targets = results.putArray("targets");
    private final AtomicLong ids = new AtomicLong(1);
    private final String run = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    private FakeUpstream fake;
    private ServerProcess server;
    /** The scenarios to run (their letters, or "start-up"); empty for all. */
    private Set<String> only = Set.of();

    private LoadSuite(Plan plan, Path out, Path work, String serverClasspath) {
        this.plan = plan;
        this.out = out;
        this.work = work;
        this.serverClasspath = serverClasspath;
    }

    public static void main(String[] args) throws Exception {
        String mode = "quick";
        Path out = Path.of("benchmarks/results");
        Path work = Path.of("benchmarks/target/bench-work");
        Path cp = Path.of("benchmarks/target/server-classpath.txt");
        Set<String> only = Set.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mode" -> mode = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                case "--server-classpath" -> cp = Path.of(args[++i]);
                case "--only" -> only = Set.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (!List.of("quick", "full", "smoke").contains(mode)) throw new IllegalArgumentException("--mode quick, full or smoke");
        Files.createDirectories(out);
        Files.createDirectories(work);
        LoadSuite suite = new LoadSuite(Plan.of(mode), out, work, Files.readString(cp).strip());
        suite.only = only;
        suite.runAll();
    }

    private void runAll() throws Exception {
        results.put("mode", plan.mode);
        results.put("started", Instant.now().toString());
        results.set("machine", Machine.describe(work));
        fake = new FakeUpstream(HOST, 0);
        fake.recording(true);
        try {
            step("start-up", this::startup);
            // BENCH_SERVER_OPTS: JVM options for the measured server only, e.g. a profiler agent while working on one scenario
            String opts = System.getenv().getOrDefault("BENCH_SERVER_OPTS", "").trim();
            server = startServer("main", opts.isEmpty() ? List.of() : List.of(opts.split("\\s+")));
            results.set("server", serverJson(server));
            step("idle", this::idle);
            step("warm-up", this::warmUp);
            step("A: one warm client, paired", this::warmClient);
            List<Client.Server> viaServer = servers(64, "c");
            List<Client.Direct> direct = directs(64, 200);
            step("B: 64 streams, interleaved", () -> sixtyFour(viaServer, direct));
            step("C: CPU per relayed chunk", () -> cpuPerChunk(viaServer, direct));
            step("F: non-streamed turns/s", () -> nonStreamed(viaServer, direct));
            step("D: concurrent streams at 50 chunks/s", () -> concurrency(viaServer));
            step("profile", () -> profile(viaServer));
            step("soak", () -> soak(viaServer));
            closeAll(viaServer);
            closeAll(direct);
            server.close();
            server = null;
            step("H: open streams held", this::held);
        } finally {
            if (server != null) server.close();
            fake.close();
            results.put("finished", Instant.now().toString());
            // a partial run (--only, while working on one scenario) never replaces the report's input
            Path file = out.resolve("load-" + plan.mode + (only.isEmpty() ? "" : "-only-" + String.join("", only)) + ".json");
            Files.writeString(file, Client.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
            System.out.println("wrote " + file);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(String name, Step step) throws Exception {
        if (!only.isEmpty() && !only.contains(name.split(":")[0]) && !name.equals("warm-up")) return;
        long t = System.nanoTime();
        System.out.printf("[%s] %s …%n", Instant.now().toString().substring(11, 19), name);
        double jit = server == null ? -1 : server.jitSeconds();
        try {
            step.run();
        } catch (Exception | Error e) {
            System.out.println("  FAILED: " + e);
            e.printStackTrace(System.out);
            results.withObject("failures").put(name, e.toString());
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        if (jit >= 0 && server != null && server.alive()) {
            // the server's JIT compiler threads' time during the step: compiling competes with the server for the two cores
            ObjectNode j = results.withObject("jit").putObject(name);
            j.put("seconds", Tally.round(seconds));
            j.put("compile_seconds", Tally.round(server.jitSeconds() - jit));
        }
        System.out.printf("  %s took %.1f s%n", name, seconds);
    }

    // ---------------------------------------------------------------- the server and its clients

    private ServerProcess startServer(String name, List<String> jvmArgs) {
        return startServer(name, jvmArgs, fake.baseUrl(), Map.of());
    }

    /** A server of its own directory and port, on the bench's environment plus {@code extraEnv}, once it answers. */
    private ServerProcess startServer(String name, List<String> jvmArgs, String upstream, Map<String, String> extraEnv) {
        Path dir = work.resolve(run + "-" + name);
        int port = ServerProcess.freePort();
        Map<String, String> env = ServerProcess.benchEnv(dir, upstream, port);
        env.putAll(extraEnv);
        ServerProcess s = ServerProcess.start(serverClasspath, jvmArgs, env, dir);
        s.awaitReady(60_000);
        return s;
    }

    private ObjectNode serverJson(ServerProcess s) {
        ObjectNode n = Client.JSON.createObjectNode();
        ArrayNode cmd = n.putArray("command");
        for (String c : s.command) cmd.add(c.equals(serverClasspath) ? "<chat-server runtime class path: benchmarks/target/server-classpath.txt>"
                : c.equals(ServerProcess.LAUNCHER_OPTIONS) ? "@" + ServerProcess.OPTIONS_FILE : c);
        ObjectNode env = n.putObject("environment");
        s.env.forEach(env::put);
        n.put("note", "LOG_LEVEL unset: INFO, the default (one line per request, per turn and per model call, to a file)");
        return n;
    }

    private Script script(int chunks, long gapMicros, long firstMicros) {
        return new Script(chunks, gapMicros, firstMicros, ids.getAndIncrement());
    }

    /** Registers {@code n} accounts (16 at a time), each with one conversation. */
    private List<Client.Server> servers(int n, String prefix) throws Exception {
        return servers(server, n, prefix);
    }

    private List<Client.Server> servers(ServerProcess s, int n, String prefix) throws Exception {
        List<Client.Server> clients = Collections.synchronizedList(new ArrayList<>());
        Semaphore gate = new Semaphore(16);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String user = "b" + run + "_" + prefix + i;
                all.add(ex.submit(() -> {
                    gate.acquire();
                    try {
                        Client.Server c = new Client.Server(HOST, s.port);
                        c.register(user, PASSWORD);
                        c.newConversation();
                        clients.add(c);
                    } finally {
                        gate.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) f.get();
        }
        return new ArrayList<>(clients);
    }

    private List<Client.Direct> directs(int n, int keep) {
        List<Client.Direct> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) clients.add(new Client.Direct(HOST, fake.port(), keep));
        return clients;
    }

    private static void closeAll(List<? extends Client> clients) {
        clients.forEach(Client::close);
    }

    // ---------------------------------------------------------------- phases

    private interface TurnFn<C extends Client> {
        void turn(C client, Tally tally) throws IOException;
    }

    /**
     * Runs every client in a loop of turns for {@code seconds} (each finishes its last turn), starting each at a
     * random moment within {@code stagger} seconds, whose turns are then left out of the histograms.
     */
    private Tally phase(Tally t, List<? extends Client> clients, double seconds, double stagger, TurnFn<Client> fn) throws Exception {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        t.recordFrom = start + (long) (stagger * 1e9);
        long pid = server == null ? 0 : server.pid;
        Cpu.Snapshot a = Cpu.snapshot(pid);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Client c : clients) {
                ex.submit(() -> {
                    if (stagger > 0) Thread.sleep(ThreadLocalRandom.current().nextLong((long) (stagger * 1000) + 1));
                    while (System.nanoTime() < end) {
                        try {
                            fn.turn(c, t);
                        } catch (IOException | RuntimeException e) {
                            t.error(e.toString());
                            c.conn.close();
                            Thread.sleep(20);
                        }
                    }
                    return null;
                });
            }
        }
        t.add(new Cpu.Window(a, Cpu.snapshot(pid)));
        return t;
    }

    private TurnFn<Client> streaming(int chunks, long gapMicros, long firstMicros) {
        return (c, t) -> {
            Script s = script(chunks, gapMicros, firstMicros);
            Client.Outcome o = c.stream(s);
            t.stream(o, s.text(), fake.takeSentTimes(s.id()));
        };
    }

    private TurnFn<Client> whole(int chunks) {
        return (c, t) -> {
            Script s = script(chunks, 0, 0);
            long start = System.nanoTime();
            String text;
            try {
                text = c.reply(s);
            } catch (IOException e) {
                t.reply(start, System.nanoTime(), false, e.getMessage());
                return;
            }
            long end = System.nanoTime();
            boolean same = text.equals(s.text());
            t.reply(start, end, same, same ? null : "reply text differs");
        };
    }

    // ---------------------------------------------------------------- scenarios

    private void startup() {
        // as bin/run starts it after a build: one start records the start-up cache (timed, not counted), the cache
        // is written, and the counted starts use it
        ServerProcess.StartupCache cache = ServerProcess.StartupCache.at(work.resolve(run + "-startup-cache"));
        long firstNanos;
        ServerProcess first = startServerCold("startup-first", cache.recording());
        try {
            firstNanos = first.awaitReady(60_000);
        } finally {
            first.close();
        }
        long writeNanos = cache.write(serverClasspath);
        ArrayNode runs = Client.JSON.createArrayNode();
        long[] nanos = new long[plan.startupRuns];
        for (int i = 0; i < plan.startupRuns; i++) {
            ServerProcess s = startServerCold("startup-" + i, cache.using());
            try {
                nanos[i] = s.awaitReady(60_000);
            } finally {
                s.close();
            }
            runs.add(Tally.round(nanos[i] / 1e6));
        }
        // one more start, recorded with JFR, to see where start-up goes (not counted above)
        Path jfr = out.resolve("profile-" + plan.mode + "-startup.jfr").toAbsolutePath();
        try {
            Files.deleteIfExists(jfr);
            Path dir = work.resolve(run + "-startup-jfr");
            // without the cache: an AOT cache cannot be used by a JVM started with a recording it was not made with
            ServerProcess s = ServerProcess.start(serverClasspath, List.of("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile"),
                    ServerProcess.benchEnv(dir, fake.baseUrl(), ServerProcess.freePort()), dir);
            long t;
            try {
                t = s.awaitReady(60_000);
            } finally {
                s.close();
            }
            ObjectNode p = Profile.summarize(jfr, 20);
            p.put("start_ms_with_jfr", Tally.round(t / 1e6));
            p.put("jvm_flags", "bin/server-jvm-options only (no start-up cache)");
            scenarios.set("startup_profile", p);
        } catch (IOException | RuntimeException e) {
            scenarios.putObject("startup_profile").put("failed", e.toString());
        }
        ObjectNode n = scenarios.putObject("startup");
        String how = cache.aot()
                ? String.format(Locale.ROOT, "an AOT cache; not counted: the start that recorded it, %.0f ms, and writing it, %.0f ms", firstNanos / 1e6, writeNanos / 1e6)
                : String.format(Locale.ROOT, "a class-data-sharing archive; not counted: the start that wrote it as it stopped, %.0f ms", firstNanos / 1e6);
        n.put("what", "process start (ProcessBuilder.start) to the first 200 of GET /api/health, fresh SQLite file (all migrations run), "
                + "with bin/run's start-up cache (" + how + ")");
        n.put("first_start_ms", Tally.round(firstNanos / 1e6));
        n.put("cache_write_ms", Tally.round(writeNanos / 1e6));
        n.put("jvm_flags", String.join(" ", cache.using()));
        n.set("runs_ms", runs);
        ObjectNode p = Tally.percentiles(nanos);
        n.set("ms", msFromUs(p));
        double p50 = p.get("p50").asDouble() / 1000;
        double max = p.get("max").asDouble() / 1000;
        target("startup", "start to first request served (SQLite, migrations done)", "≤ 1.5 s",
                String.format("p50 %.0f ms, max %.0f ms (%d runs)", p50, max, nanos.length), "–",
                "p50 " + verdictAtMost(p50, 1500, "ms") + "; max " + verdictAtMost(max, 1500, "ms"), p50 <= 1500);
    }

    private ServerProcess startServerCold(String name, List<String> jvmArgs) {
        Path dir = work.resolve(run + "-" + name);
        int port = ServerProcess.freePort();
        return ServerProcess.start(serverClasspath, jvmArgs, ServerProcess.benchEnv(dir, fake.baseUrl(), port), dir);
    }

    private static ObjectNode msFromUs(ObjectNode us) {
        ObjectNode ms = Client.JSON.createObjectNode();
        us.fields().forEachRemaining(e -> ms.put(e.getKey(), e.getKey().equals("count") ? e.getValue().asDouble() : Tally.round(e.getValue().asDouble() / 1000)));
        return ms;
    }

    private void idle() throws InterruptedException {
        Cpu.Snapshot a = Cpu.snapshot(server.pid);
        Thread.sleep(3000);
        Cpu.Window w = new Cpu.Window(a, Cpu.snapshot(server.pid));
        ObjectNode n = scenarios.putObject("idle");
        n.put("server_cores_busy", Tally.round(w.serverSeconds() / w.wallSeconds()));
        n.put("rss_mib", server.rssKib() / 1024);
    }

    /**
     * Before A, unmeasured: streamed and non-streamed turns from 64 clients. After start-up the server's JIT
     * compiles for minutes, on one of the two cores; A is about a warm server, so its turns should not share the
     * machine with that. (The per-step compile time in the report shows what is left.)
     */
    private void warmUp() throws Exception {
        List<Client.Server> clients = servers(64, "w");
        phase(new Tally("warm-up: streams"), clients, plan.warmUp, 0, streaming(32, 0, 0));
        phase(new Tally("warm-up: non-streamed"), clients, plan.warmUp, 0, whole(8));
    }

    /** A: one client, server and direct turns alternating (ABBA), the server conversation holding ≥ 100 messages. */
    private void warmClient() throws Exception {
        Client.Server s = servers(1, "warm").get(0);
        Client.Direct d = new Client.Direct(HOST, fake.port(), 200);
        for (int i = 0; i < 50; i++) {
            Script sc = script(8, 0, 0);
            String reply = s.reply(sc);
            d.remember("user", sc.message());
            d.remember("assistant", reply);
        }
        int n = plan.pairs;
        long[] viaServer = new long[n];
        long[] viaDirect = new long[n];
        long[] diff = new long[n];
        Tally ts = new Tally("1 client via server");
        Tally td = new Tally("1 client direct");
        for (int i = -plan.warmPairs; i < n; i++) {
            long a;
            long b;
            if ((i & 1) == 0) {
                b = directTurn(d, td);
                a = serverTurn(s, d, ts);
            } else {
                a = serverTurn(s, d, ts);
                b = directTurn(d, td);
            }
            if (i >= 0) {
                viaServer[i] = a;
                viaDirect[i] = b;
                diff[i] = a - b;
            }
        }
        s.close();
        d.close();
        ObjectNode r = scenarios.putObject("warm_client");
        r.put("what", "one client, " + n + " pairs (after " + plan.warmPairs + " warm-up pairs) of a streamed turn via the server and one straight to the fake, "
                + "alternating which goes first; 8 chunks back to back, no first-token delay; the server conversation started with 100 messages "
                + "(50 non-streamed turns) and grows by 2 per turn; the direct request carries the same last ≤ 200 messages");
        r.set("ttft_server_us", Tally.percentiles(viaServer));
        r.set("ttft_direct_us", Tally.percentiles(viaDirect));
        r.set("paired_difference_us", Tally.percentiles(diff));
        r.put("errors_server", ts.errors.sum());
        r.put("errors_direct", td.errors.sum());
        double p50 = r.get("ttft_server_us").get("p50").asDouble() - r.get("ttft_direct_us").get("p50").asDouble();
        double p99 = r.get("ttft_server_us").get("p99").asDouble() - r.get("ttft_direct_us").get("p99").asDouble();
        r.put("added_p50_us", Tally.round(p50));
        r.put("added_p99_us", Tally.round(p99));
        target("ttft_1", "added TTFT, one warm client (auth, ≥100-message history read, user message stored)", "p50 ≤ 0.75 ms, p99 ≤ 2 ms",
                String.format("p50 +%.2f ms, p99 +%.2f ms (paired median difference %.2f ms)", p50 / 1000, p99 / 1000, r.get("paired_difference_us").get("p50").asDouble() / 1000),
                String.format("direct p50 %.2f ms, p99 %.2f ms", r.get("ttft_direct_us").get("p50").asDouble() / 1000, r.get("ttft_direct_us").get("p99").asDouble() / 1000),
                both(verdictAtMost(p50 / 1000, 0.75, "ms"), verdictAtMost(p99 / 1000, 2, "ms")), p50 <= 750 && p99 <= 2000 && ts.errors.sum() == 0);
    }

    private long serverTurn(Client.Server s, Client.Direct mirror, Tally t) throws IOException {
        Script sc = script(8, 0, 0);
        Client.Outcome o = s.stream(sc);
        t.stream(o, sc.text(), fake.takeSentTimes(sc.id()));
        if (!o.ok()) throw new IOException("server turn failed: " + o.error);
        mirror.remember("user", sc.message());
        mirror.remember("assistant", o.text.toString());
        return o.firstAt - o.start;
    }

    private long directTurn(Client.Direct d, Tally t) throws IOException {
        Script sc = script(8, 0, 0);
        Client.Outcome o = d.streamWithoutRemembering(sc);
        t.stream(o, sc.text(), fake.takeSentTimes(sc.id()));
        if (!o.ok()) throw new IOException("direct turn failed: " + o.error);
        return o.firstAt - o.start;
    }

    private Tally sixtyFourServer;

    /** One turn of B (32 chunks, 20 ms apart), in seconds. */
    private static final double SPREAD = 0.64;

    /**
     * B: 64 concurrent streams of 32 chunks at 20 ms, phases via the server and direct alternating; the target is
     * measured with all 64 starting together (and so every turn after), then the same with the starts spread.
     */
    private void sixtyFour(List<Client.Server> viaServer, List<Client.Direct> direct) throws Exception {
        TurnFn<Client> turn = streaming(32, 20_000, 0);
        phase(new Tally("warm-up via server"), viaServer, 5, 0, turn);
        phase(new Tally("warm-up direct"), direct, 3, 0, turn);
        Tally ts = new Tally("64 streams via server");
        Tally td = new Tally("64 streams direct");
        alternating(ts, viaServer, td, direct, 0, turn);
        sixtyFourServer = ts;
        // The same load with the turns' starts spread at random over one turn's length instead of all at once: what
        // the server adds to a turn's start while 64 streams run, without the queue of 64 starts in the same millisecond
        Tally ss = new Tally("64 streams via server, starts spread");
        Tally sd = new Tally("64 streams direct, starts spread");
        alternating(ss, viaServer, sd, direct, SPREAD, turn);
        ObjectNode r = scenarios.putObject("sixty_four");
        r.put("what", "64 clients, each streaming turns of 32 chunks at 20 ms (no first-token delay) in its own conversation; "
                + plan.bRounds + " rounds of " + plan.bPhase + " s via the server and " + plan.bPhase + " s direct, order alternating");
        r.set("server", ts.json());
        r.set("direct", td.json());
        double ttft99 = ts.ttft.getValueAtPercentile(99) / 1e3 - td.ttft.getValueAtPercentile(99) / 1e3;
        double ttft50 = ts.ttft.getValueAtPercentile(50) / 1e3 - td.ttft.getValueAtPercentile(50) / 1e3;
        r.put("added_ttft_p50_us", Tally.round(ttft50));
        r.put("added_ttft_p99_us", Tally.round(ttft99));
        ObjectNode spread = r.putObject("spread");
        spread.put("what", "the same turns with each client's first start at random within " + SPREAD + " s (one turn's length), measured after that, "
                + plan.bRounds + " rounds, order alternating");
        spread.set("server", ss.json());
        spread.set("direct", sd.json());
        spread.put("added_ttft_p50_us", Tally.round(ss.ttft.getValueAtPercentile(50) / 1e3 - sd.ttft.getValueAtPercentile(50) / 1e3));
        spread.put("added_ttft_p99_us", Tally.round(ss.ttft.getValueAtPercentile(99) / 1e3 - sd.ttft.getValueAtPercentile(99) / 1e3));
        target("ttft_64", "added TTFT at 64 concurrent streams (32 chunks at 20 ms)", "p99 ≤ 5 ms",
                String.format("p99 +%.2f ms (p50 +%.2f ms)", ttft99 / 1000, ttft50 / 1000),
                String.format("direct p50 %.2f ms, p99 %.2f ms", td.ttft.getValueAtPercentile(50) / 1e6, td.ttft.getValueAtPercentile(99) / 1e6),
                verdictAtMost(ttft99 / 1000, 5, "ms") + errorsNote(ts), ttft99 <= 5000 && ts.errors.sum() == 0);
        double relay50 = ts.transit.getValueAtPercentile(50) / 1e3 - td.transit.getValueAtPercentile(50) / 1e3;
        double relay99 = ts.transit.getValueAtPercentile(99) / 1e3 - td.transit.getValueAtPercentile(99) / 1e3;
        double gap50 = ts.gap.getValueAtPercentile(50) / 1e3 - td.gap.getValueAtPercentile(50) / 1e3;
        double gap99 = ts.gap.getValueAtPercentile(99) / 1e3 - td.gap.getValueAtPercentile(99) / 1e3;
        r.put("added_transit_p50_us", Tally.round(relay50));
        r.put("added_transit_p99_us", Tally.round(relay99));
        r.put("added_gap_p50_us", Tally.round(gap50));
        r.put("added_gap_p99_us", Tally.round(gap99));
        target("gap", "added delay per chunk (chunk left the fake → reached the client; via server minus direct) at 64 streams",
                "p50 ≤ 20 µs, p99 ≤ 250 µs",
                String.format("p50 +%.0f µs, p99 +%.0f µs (inter-arrival gap p50 %+.0f µs, p99 %+.0f µs)", relay50, relay99, gap50, gap99),
                String.format("direct transit p50 %.0f µs, p99 %.0f µs", td.transit.getValueAtPercentile(50) / 1e3, td.transit.getValueAtPercentile(99) / 1e3),
                both(verdictAtMost(relay50, 20, "µs"), verdictAtMost(relay99, 250, "µs")), relay50 <= 20 && relay99 <= 250);
    }

    /** B's rounds: a phase via the server and one direct, direct first in even rounds; {@code stagger} as in {@link #phase}. */
    private void alternating(Tally ts, List<Client.Server> viaServer, Tally td, List<Client.Direct> direct, double stagger,
                             TurnFn<Client> turn) throws Exception {
        for (int r = 0; r < plan.bRounds; r++) {
            if ((r & 1) == 0) {
                phase(td, direct, plan.bPhase + stagger, stagger, turn);
                phase(ts, viaServer, plan.bPhase + stagger, stagger, turn);
            } else {
                phase(ts, viaServer, plan.bPhase + stagger, stagger, turn);
                phase(td, direct, plan.bPhase + stagger, stagger, turn);
            }
        }
    }

    /** C: server CPU per relayed chunk, all-in and marginal (long minus short streams), paced and back to back. */
    private void cpuPerChunk(List<Client.Server> viaServer, List<Client.Direct> direct) throws Exception {
        Tally longPaced = phase(new Tally("64 streams × 256 chunks at 20 ms via server"), viaServer, plan.cLong, 0, streaming(256, 20_000, 0));
        List<Client.Server> sixteen = viaServer.subList(0, 16);
        Tally shortB2b = phase(new Tally("16 streams × 32 chunks back to back via server"), sixteen, plan.cB2b, 0, streaming(32, 0, 0));
        Tally longB2b = phase(new Tally("16 streams × 512 chunks back to back via server"), sixteen, plan.cB2b, 0, streaming(512, 0, 0));
        Tally directB2b = phase(new Tally("16 streams × 512 chunks back to back direct"), direct.subList(0, 16), plan.cDirect, 0, streaming(512, 0, 0));
        ObjectNode r = scenarios.putObject("cpu_per_chunk");
        r.put("what", "server CPU (utime+stime of the server process from /proc) per relayed chunk: all-in (per-turn work included) and marginal "
                + "(difference in CPU per turn between long and short streams, divided by the difference in chunks)");
        Tally shortPaced = sixtyFourServer;
        r.set("paced_short", shortPaced == null ? null : shortPaced.json());
        r.set("paced_long", longPaced.json());
        r.set("b2b_short", shortB2b.json());
        r.set("b2b_long", longB2b.json());
        r.set("b2b_long_direct", directB2b.json());
        double pacedAll = longPaced.serverCpuPerChunkMicros();
        double pacedMarginal = shortPaced == null ? Double.NaN
                : (longPaced.serverCpuPerTurnMicros() - shortPaced.serverCpuPerTurnMicros()) / (256 - 32);
        double b2bAll = longB2b.serverCpuPerChunkMicros();
        double b2bMarginal = (longB2b.serverCpuPerTurnMicros() - shortB2b.serverCpuPerTurnMicros()) / (512 - 32);
        r.put("paced_all_in_us", Tally.round(pacedAll));
        r.put("paced_marginal_us", Tally.round(pacedMarginal));
        r.put("b2b_all_in_us", Tally.round(b2bAll));
        r.put("b2b_marginal_us", Tally.round(b2bMarginal));
        target("cpu_paced", "server CPU per relayed chunk, paced (64 streams, 20 ms)", "≤ 30 µs",
                String.format("marginal %.1f µs; all-in %.1f µs (256-chunk turns)", pacedMarginal, pacedAll), "–",
                "marginal: " + verdictAtMost(pacedMarginal, 30, "µs") + "; all-in: " + verdictAtMost(pacedAll, 30, "µs"), pacedMarginal <= 30);
        target("cpu_b2b", "server CPU per relayed chunk, back to back (16 streams)", "≤ 5 µs",
                String.format("marginal %.1f µs; all-in %.1f µs (512-chunk turns); %.0f chunks/s via server vs %.0f direct",
                        b2bMarginal, b2bAll, longB2b.chunks.sum() / longB2b.seconds(), directB2b.chunks.sum() / directB2b.seconds()),
                "–", "marginal: " + verdictAtMost(b2bMarginal, 5, "µs") + "; all-in: " + verdictAtMost(b2bAll, 5, "µs"), b2bMarginal <= 5);
    }

    /** F: non-streamed turns, 64 clients, upstream answering at once. */
    private void nonStreamed(List<Client.Server> viaServer, List<Client.Direct> direct) throws Exception {
        TurnFn<Client> turn = whole(8);
        phase(new Tally("warm-up"), viaServer, 3, 0, turn);
        Tally ts = phase(new Tally("64 clients non-streamed via server"), viaServer, plan.fServer, 0, turn);
        Tally td = phase(new Tally("64 clients non-streamed direct"), direct, plan.fDirect, 0, turn);
        ObjectNode r = scenarios.putObject("non_streamed");
        r.put("what", "64 clients, POST /chat stream:false in a loop (8-chunk reply, no upstream delay), every turn stored (user message and reply)");
        r.set("server", ts.json());
        r.set("direct", td.json());
        double tps = ts.turns.sum() / ts.seconds();
        target("turns", "non-streamed turns/s with persistence, zero-delay upstream, 64 clients", "≥ 3,000",
                String.format("%.0f turns/s (p50 %.1f ms, p99 %.1f ms per turn)", tps, ts.latency.getValueAtPercentile(50) / 1e6, ts.latency.getValueAtPercentile(99) / 1e6),
                String.format("direct %.0f turns/s", td.turns.sum() / td.seconds()),
                verdictAtLeast(tps, 3000, "turns/s") + errorsNote(ts), tps >= 3000 && ts.errors.sum() == 0);
    }

    /** D: N concurrent streams at 50 chunks/s (100 chunks at 20 ms); the widest N whose gap p99 stays below 30 ms. */
    private void concurrency(List<Client.Server> base) throws Exception {
        int max = plan.steps[plan.steps.length - 1];
        List<Client.Server> all = new ArrayList<>(base);
        all.addAll(servers(max - base.size(), "d"));
        ObjectNode r = scenarios.putObject("concurrency");
        r.put("what", "N clients each streaming 100 chunks at 20 ms (50 chunks/s), starts spread over the first 2 s, which are left out of the figures; "
                + plan.stepPhase + " s per step; the direct baseline at the largest N");
        ArrayNode steps = r.putArray("steps");
        int best = 0;
        String bestNote = "";
        TurnFn<Client> turn = streaming(100, 20_000, 0);
        boolean failed = false;
        for (int n : plan.steps) {
            // past the first step that fails, only the target's own width (1,000) and the largest are still worth the time
            if (failed && n != 1000 && n != max) continue;
            Tally t = phase(new Tally(n + " streams via server"), all.subList(0, n), plan.stepPhase, 2, turn);
            ObjectNode j = t.json();
            j.put("streams", n);
            steps.add(j);
            double gap99 = t.gap.getValueAtPercentile(99) / 1e6;
            if (gap99 < 30 && t.errors.sum() == 0 && !failed) {
                best = n;
                bestNote = String.format("gap p99 %.1f ms at %d", gap99, n);
            }
            failed |= !(gap99 < 30 && t.errors.sum() == 0);
            System.out.printf("  %d streams: gap p99 %.1f ms, ttft p99 %.1f ms, errors %d, machine %s%n", n, gap99,
                    t.ttft.getValueAtPercentile(99) / 1e6, t.errors.sum(), j.path("cpu").path("machine_busy_percent"));
        }
        List<Client.Direct> direct = directs(max, 0);
        Tally td = phase(new Tally(max + " streams direct"), direct, plan.stepPhase, 2, turn);
        closeAll(direct);
        r.set("direct_at_largest", td.json());
        ObjectNode last = (ObjectNode) steps.get(steps.size() - 1);
        target("streams", "concurrent streams at 50 chunks/s with gap p99 < 30 ms", "≥ 1,000",
                best == 0 ? "none of the steps held" : best + " (" + bestNote + "; steps tried: " + java.util.Arrays.toString(plan.steps) + ")",
                String.format("direct at %d: gap p99 %.1f ms", max, td.gap.getValueAtPercentile(99) / 1e6),
                best >= 1000 ? "met" : String.format("missed: at %d gap p99 %.1f ms, errors %d", max, last.path("gap_us").path("p99").asDouble() / 1000, last.path("errors").asLong()),
                best >= 1000);
        closeAll(all.subList(base.size(), all.size()));
    }

    /** JFR recordings of the server under the paced, back-to-back and non-streamed loads, summarised. */
    private void profile(List<Client.Server> viaServer) throws Exception {
        ObjectNode r = scenarios.putObject("profiles");
        r.put("what", "JFR (settings=profile) started with jcmd on the running server for " + plan.profile + " s of each load, after the measured phases; "
                + "summarised from jdk.ExecutionSample (hot methods), jdk.NativeMethodSample, jdk.VirtualThreadPinned, jdk.JavaMonitorEnter");
        record Load(String name, List<? extends Client> clients, TurnFn<Client> turn) {
        }
        for (Load load : List.of(
                new Load("paced_streams", viaServer, streaming(32, 20_000, 0)),
                new Load("b2b_streams", viaServer.subList(0, 16), streaming(512, 0, 0)),
                new Load("non_streamed", viaServer, whole(8)))) {
            Path file = out.resolve("profile-" + plan.mode + "-" + load.name + ".jfr").toAbsolutePath();
            Files.deleteIfExists(file);
            server.jcmd("JFR.start", "name=" + load.name, "settings=profile", "filename=" + file);
            Tally t = phase(new Tally(load.name), load.clients, plan.profile, 0, load.turn);
            server.jcmd("JFR.stop", "name=" + load.name);
            ObjectNode p = Profile.summarize(file, 25);
            p.put("turns_per_second_while_recording", Tally.round(t.turns.sum() / t.seconds()));
            r.set(load.name, p);
        }
    }

    /** Soak: steady mixed load on the warm server, sampling its RSS. */
    private void soak(List<Client.Server> viaServer) throws Exception {
        List<Client.Server> streamers = viaServer.subList(0, 56);
        List<Client.Server> repliers = viaServer.subList(56, 64);
        Tally ts = new Tally("soak streams");
        Tally tr = new Tally("soak non-streamed");
        ArrayNode samples = Client.JSON.createArrayNode();
        long start = System.nanoTime();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> a = ex.submit(() -> phase(ts, streamers, plan.soak, 0, streaming(32, 20_000, 0)));
            Future<?> b = ex.submit(() -> phase(tr, repliers, plan.soak, 0, whole(8)));
            while (!(a.isDone() && b.isDone())) {
                samples.addArray().add(Tally.round((System.nanoTime() - start) / 1e9)).add(server.rssKib() / 1024);
                Thread.sleep((long) (plan.soakSample * 1000));
            }
            a.get();
            b.get();
        }
        ObjectNode r = scenarios.putObject("soak");
        r.put("what", plan.soak + " s of 56 clients streaming (32 chunks at 20 ms) and 8 clients non-streamed, on the server warmed by the scenarios before; "
                + "RSS (MiB) of the server process sampled every " + plan.soakSample + " s as [seconds, MiB]");
        r.set("rss_mib", samples);
        r.set("streams", ts.json());
        r.set("non_streamed", tr.json());
        int k = samples.size();
        double firstHalfMax = 0;
        double secondHalfMax = 0;
        for (int i = 0; i < k; i++) {
            double v = samples.get(i).get(1).asDouble();
            if (i < k / 2) firstHalfMax = Math.max(firstHalfMax, v);
            else secondHalfMax = Math.max(secondHalfMax, v);
        }
        double slope = slope(samples, k / 2);
        r.put("first_half_max_mib", firstHalfMax);
        r.put("second_half_max_mib", secondHalfMax);
        r.put("second_half_slope_mib_per_min", Tally.round(slope));
        boolean flat = secondHalfMax <= firstHalfMax * 1.05;
        target("rss", "RSS under steady load levels off (soak)", plan.mode.equals("full") ? "no growth over 10 minutes" : "no growth (quick mode: 1-minute soak only)",
                String.format("%.0f s soak: max %.0f MiB in the first half, %.0f MiB in the second; slope of the second half %+.1f MiB/min",
                        plan.soak, firstHalfMax, secondHalfMax, slope), "–",
                (flat ? "levelled off" : "still growing") + (plan.mode.equals("full") ? "" : " over 1 minute; the 10-minute soak is --full"),
                plan.mode.equals("full") ? flat : null);
    }

    private static double slope(ArrayNode samples, int from) {
        int n = samples.size() - from;
        if (n < 2) return Double.NaN;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (int i = from; i < samples.size(); i++) {
            double x = samples.get(i).get(0).asDouble() / 60;
            double y = samples.get(i).get(1).asDouble();
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double den = n * sxx - sx * sx;
        return den == 0 ? Double.NaN : (n * sxy - sx * sy) / den;
    }

    /**
     * H: many streams open at once at 1 chunk/s, on a fresh server limited to a 1 GiB heap, the fake in its own
     * process speaking h2c. Over HTTP/1.1 the server would hold two sockets per stream (client and upstream), and
     * this machine's hard limit of open files (20,000) would stop it short of 10,000 streams; with the upstream
     * named in LLM_H2C_HOSTS its streams share a few connections, and each process holds one socket per stream.
     */
    private void held() throws Exception {
        long fdLimit = Machine.openFileLimit();
        // each process holds one socket per stream, plus its jars, database files, selectors and the shared h2c connections
        int cap = (int) Math.max(100, fdLimit - 1000);
        int n = Math.min(plan.held, cap);
        ObjectNode r = scenarios.putObject("held");
        r.put("file_descriptor_limit", fdLimit);
        r.put("streams_asked", plan.held);
        r.put("streams", n);
        if (n < plan.held) r.put("capped_because", "the per-process open-file limit (" + fdLimit + ", not raisable here) allows about " + cap + " streams");
        Process fakeProcess = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                FakeUpstream.class.getName(), HOST, "0", "h2c").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader fakeOut = new BufferedReader(new InputStreamReader(fakeProcess.getInputStream(), StandardCharsets.UTF_8));
        String upstream = fakeOut.readLine();
        // the rest of its output (Jetty's log) to a file: a pipe nobody reads would block the fake once full
        Path fakeLog = work.resolve(run + "-held-fake.log");
        Thread.ofVirtual().start(() -> {
            try (var w = Files.newBufferedWriter(fakeLog)) {
                for (String line; (line = fakeOut.readLine()) != null; ) w.write(line + "\n");
            } catch (IOException e) {
                // the fake stopped
            }
        });
        try {
            URI u = URI.create(upstream);
            String h2c = u.getHost() + ":" + u.getPort();
            server = startServer("held", List.of("-Xmx1g"), upstream, Map.of("LLM_H2C_HOSTS", h2c));
            r.put("upstream", "the fake over HTTP/2 without TLS (h2c, prior knowledge; Jetty, at most 1,024 streams per connection): LLM_H2C_HOSTS=" + h2c);
            r.put("server_jvm_flags", "-Xmx1g");
            List<Client.Server> clients = servers(n, "h");
            int chunks = plan.heldChunks;
            List<Client.Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
            Tally t = new Tally(n + " held streams");
            ObjectNode during = r.putObject("during");
            long start = System.nanoTime();
            Cpu.Snapshot a = Cpu.snapshot(server.pid);
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Client.Server c : clients) {
                    ex.submit(() -> {
                        Thread.sleep(ThreadLocalRandom.current().nextLong(5000));
                        Script s = script(chunks, 1_000_000, 0);
                        try {
                            Client.Outcome o = c.stream(s);
                            outcomes.add(o);
                            t.stream(o, s.text(), null);
                        } catch (IOException e) {
                            t.error(e.toString());
                        }
                        return null;
                    });
                }
                Thread.sleep(5000 + chunks * 1000L / 2);
                during.put("seconds_after_start", Tally.round((System.nanoTime() - start) / 1e9));
                during.put("heap_used_mib", server.heapUsedKib() / 1024);
                during.put("rss_mib", server.rssKib() / 1024);
                server.jcmd("GC.run");
                during.put("heap_used_after_full_gc_mib", server.heapUsedKib() / 1024);
                during.put("rss_after_full_gc_mib", server.rssKib() / 1024);
                // who holds the heap per stream: the live classes with the most bytes
                try {
                    ArrayNode histogram = during.putArray("class_histogram_top");
                    server.jcmd("GC.class_histogram").lines().map(String::strip).filter(l -> l.matches("\\d+:\\s+\\d+\\s+\\d+\\s+.*")).limit(20).forEach(l -> {
                        String[] f = l.split("\\s+");
                        histogram.addObject().put("class", f[3]).put("instances", Long.parseLong(f[1])).put("bytes", Long.parseLong(f[2]));
                    });
                } catch (RuntimeException e) {
                    during.put("class_histogram_failed", e.toString());
                }
            }
            t.add(new Cpu.Window(a, Cpu.snapshot(server.pid)));
            int maxOpen = maxOverlap(outcomes);
            r.put("what", n + " clients each open one stream of " + chunks + " chunks at 1 chunk/s (starts spread over 5 s); heap sampled half-way, "
                    + "then a full GC (jcmd GC.run) and sampled again; the fake upstream runs in its own process");
            r.set("streams_result", t.json());
            r.put("max_open_at_once", maxOpen);
            long live = during.get("heap_used_after_full_gc_mib").asLong();
            boolean ok = t.errors.sum() == 0 && maxOpen == n && live <= 1024;
            String measured = String.format("%d streams open at once, %d errors, heap %d MiB used (%d MiB live after full GC) with -Xmx1g, RSS %d MiB",
                    maxOpen, t.errors.sum(), during.get("heap_used_mib").asLong(), live, during.get("rss_mib").asLong());
            target("held", "open streams held at once (upstream at 1 chunk/s)", "10,000, no error, heap ≤ 1 GiB", measured, "–",
                    n < 10_000 ? (ok ? "held all " + n + " asked; 10,000 " + (plan.held < 10_000 ? "is asked in quick and full mode" : "is above this machine's open-file limit") + ", not measured"
                            : "failed at " + n) : (ok ? "met" : "missed"),
                    n >= 10_000 ? ok : null);
            closeAll(clients);
        } finally {
            if (server != null) server.close();
            server = null;
            fakeProcess.getOutputStream().close();
            fakeProcess.destroy();
        }
    }

    private static int maxOverlap(List<Client.Outcome> outcomes) {
        List<long[]> events = new ArrayList<>();
        synchronized (outcomes) {
            for (Client.Outcome o : outcomes) {
                if (o.chunks == 0) continue;
                events.add(new long[] {o.firstAt, 1});
                events.add(new long[] {o.endAt, -1});
            }
        }
        events.sort((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
        int open = 0;
        int max = 0;
        for (long[] e : events) {
            open += (int) e[1];
            max = Math.max(max, open);
        }
        return max;
    }

    // ---------------------------------------------------------------- verdicts

    private void target(String id, String what, String target, String measured, String baseline, String verdict, Boolean met) {
        ObjectNode t = targets.addObject();
        t.put("id", id);
        t.put("what", what);
        t.put("target", target);
        t.put("measured", measured);
        t.put("baseline", baseline);
        t.put("verdict", verdict);
        if (met == null) t.putNull("met");
        else t.put("met", met);
        System.out.println("  → " + what + ": " + measured + " — " + verdict);
    }

    static String verdictAtMost(double value, double limit, String unit) {
        if (Double.isNaN(value)) return "not measured";
        if (value <= limit) return "met";
        return String.format("missed by %s %s (%.1f× the target)", fmt(value - limit), unit, limit > 0 ? value / limit : Double.POSITIVE_INFINITY);
    }

    static String verdictAtLeast(double value, double limit, String unit) {
        if (Double.isNaN(value)) return "not measured";
        if (value >= limit) return "met";
        return String.format("missed by %s %s (%.0f%% of the target)", fmt(limit - value), unit, 100 * value / limit);
    }

    private static String both(String a, String b) {
        return a.equals("met") && b.equals("met") ? "met" : "p50 " + a + "; p99 " + b;
    }

    private static String errorsNote(Tally t) {
        long e = t.errors.sum();
        return e == 0 ? "" : "; " + e + " errors";
    }

    private static String fmt(double v) {
        return Math.abs(v) >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
    }
}
