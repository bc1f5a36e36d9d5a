package dev.llmchat.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The chat server as its own JVM, exactly as an operator starts it ({@code java @bin/server-jvm-options -cp <its
 * runtime class path> dev.llmchat.server.Main}, configured by environment variables), in a directory of its own
 * (so no {@code .env} is read), with its output in {@code server.log} there.
 */
final class ServerProcess implements AutoCloseable {
    /** bin/run's argument file of JVM options, relative to the repository's root. */
    static final Path OPTIONS_FILE = Path.of("bin", "server-jvm-options");
    /** That file as a java argument, so that the server measured runs as bin/run starts it; the bench runs from the repository. */
    static final String LAUNCHER_OPTIONS = launcherOptions();

    private static String launcherOptions() {
        Path file = OPTIONS_FILE.toAbsolutePath();
        if (!Files.isRegularFile(file)) throw new IllegalStateException(file + " not found: run the benchmarks from the repository's root");
        return "@" + file;
    }

    final Process process;
    final long pid;
    final int port;
    final Path dir;
    final long startedNanos;
    final List<String> command;
    final Map<String, String> env;

    private ServerProcess(Process process, int port, Path dir, long startedNanos, List<String> command, Map<String, String> env) {
        this.process = process;
        this.pid = process.pid();
        this.port = port;
        this.dir = dir;
        this.startedNanos = startedNanos;
        this.command = command;
        this.env = env;
    }

    /** The environment every benchmark server gets; {@code upstream} is the fake's base URL. */
    static Map<String, String> benchEnv(Path dir, String upstream, int port) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOST", "127.0.0.1");
        env.put("PORT", Integer.toString(port));
        env.put("DATABASE_URL", "sqlite:///" + dir.resolve("bench.db").toAbsolutePath());
        env.put("DATA_DIR", dir.resolve("data").toAbsolutePath().toString());
        env.put("LLM_API_URL", upstream);
        env.put("LLM_MODEL", "fake");
        env.put("LLM_API_KEY", "bench");
        env.put("RATE_LIMIT_LOGIN_PER_MINUTE", "0");
        env.put("RATE_LIMIT_REGISTER_PER_HOUR", "0");
        env.put("RATE_LIMIT_CHAT_PER_MINUTE", "0");
        env.put("MAX_STREAMS_PER_USER", "10000");
        env.put("PASSWORD_HASH_MEMORY_KIB", "1024");
        return env;
    }

    /**
     * The start-up cache {@code bin/run} gives the server (keep the two in step), in files named {@code base.*}:
     * with JDK 25+ (this JVM's, which also runs the servers) an AOT cache, recorded by one start that has stopped
     * and then written by {@link #write}; with JDK 21-24 a class-data-sharing archive, written as the first
     * start stops.
     */
    record StartupCache(Path base, boolean aot) {
        static StartupCache at(Path base) {
            return new StartupCache(base.toAbsolutePath(), Runtime.version().feature() >= 25);
        }

        /** The flags of the first start, which records what the cache will hold. */
        List<String> recording() {
            return aot ? List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + base + ".aotconf", "-Xlog:aot=off,cds=off") : archive();
        }

        /** Writes the AOT cache from the recording (the archive needs nothing: the first start wrote it); returns nanoseconds taken. */
        long write(String classpath) {
            if (!aot) return 0;
            List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                    LAUNCHER_OPTIONS, "-XX:AOTMode=create", "-XX:AOTConfiguration=" + base + ".aotconf", "-XX:AOTCache=" + base + ".aot", "-Xlog:aot=off,cds=off",
                    "-cp", classpath, "dev.llmchat.server.Main");
            Path log = Path.of(base + "-write.log");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().keySet().removeIf(k -> k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS"));
                long started = System.nanoTime();
                Process p = pb.start();
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("writing the AOT cache took over 5 minutes; see " + log);
                }
                if (p.exitValue() != 0) throw new IllegalStateException("writing the AOT cache failed with status " + p.exitValue() + "; see " + log);
                return System.nanoTime() - started;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** The flags of every later start, which uses the cache. */
        List<String> using() {
            return aot ? List.of("-XX:AOTCache=" + base + ".aot", "-Xlog:aot=off,cds=off") : archive();
        }

        private List<String> archive() {
            return List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + base + ".jsa", "-Xlog:cds=off");
        }
    }

    static ServerProcess start(String classpath, List<String> jvmArgs, Map<String, String> env, Path dir) {
        try {
            Files.createDirectories(dir);
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.add("--enable-native-access=ALL-UNNAMED");
            cmd.add(LAUNCHER_OPTIONS);
            cmd.addAll(jvmArgs);
            cmd.add("-cp");
            cmd.add(classpath);
            cmd.add("dev.llmchat.server.Main");
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()));
            pb.environment().keySet().removeIf(k -> k.startsWith("LLM_") || k.equals("DATABASE_URL") || k.equals("PORT") || k.equals("HOST")
                    || k.equals("MODEL_PRESETS_FILE") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS"));
            pb.environment().putAll(env);
            long started = System.nanoTime();
            Process p = pb.start();
            return new ServerProcess(p, Integer.parseInt(env.get("PORT")), dir, started, cmd, env);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Polls {@code GET /api/health} until it answers 200; returns nanoseconds from process start to that answer. */
    long awaitReady(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("the server exited with status " + process.exitValue() + "; see " + dir.resolve("server.log"));
            try (HttpConn c = new HttpConn("127.0.0.1", port)) {
                c.send("GET", "/api/health", null, null);
                HttpConn.Head head = c.readHead();
                c.readBody(head);
                if (head.status() == 200) return System.nanoTime() - startedNanos;
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the server did not answer within " + timeoutMillis + " ms; see " + dir.resolve("server.log"));
    }

    long rssKib() {
        return Cpu.rssKib(pid);
    }

    /** Runs {@code jcmd <pid> args…} and returns its output. */
    String jcmd(String... args) {
        Path jcmd = Path.of(ProcessHandle.current().info().command().orElse("java")).resolveSibling("jcmd");
        List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Time the JIT compilers have spent so far, in seconds (HotSpot's {@code java.ci.totalTime}), or -1. */
    double jitSeconds() {
        String counters = jcmd("PerfCounter.print");
        var ticks = java.util.regex.Pattern.compile("java\\.ci\\.totalTime=(\\d+)").matcher(counters);
        var hz = java.util.regex.Pattern.compile("sun\\.os\\.hrt\\.frequency=(\\d+)").matcher(counters);
        return ticks.find() && hz.find() ? Double.parseDouble(ticks.group(1)) / Double.parseDouble(hz.group(1)) : -1;
    }

    /** Heap in use in KiB as {@code GC.heap_info} reports it ("used" of the whole heap), or -1. */
    long heapUsedKib() {
        String info = jcmd("GC.heap_info");
        var m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
