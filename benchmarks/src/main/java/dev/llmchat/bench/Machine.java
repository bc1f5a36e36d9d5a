package dev.llmchat.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the figures were measured on: cores, CPU model, memory, JDK, kernel, the file system under the databases, limits. */
final class Machine {
    private Machine() {
    }

    static ObjectNode describe(Path work) {
        ObjectNode n = Client.JSON.createObjectNode();
        n.put("nproc", Runtime.getRuntime().availableProcessors());
        n.put("cpu_model", field(Cpu.read(Path.of("/proc/cpuinfo")), "model name"));
        String mem = field(Cpu.read(Path.of("/proc/meminfo")), "MemTotal");
        n.put("memory", mem.isEmpty() ? "?" : String.format("%.1f GiB", Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024));
        n.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ")");
        n.put("java_home", System.getProperty("java.home"));
        n.put("kernel", Cpu.read(Path.of("/proc/sys/kernel/osrelease")).strip());
        n.put("open_file_limit", openFileLimit());
        n.put("database_file_system", fileSystem(work));
        n.set("fsync_us", fsync(work));
        try {
            n.put("code", Report.code(Path.of(".")));
        } catch (IOException e) {
            n.put("code", "?");
        }
        return n;
    }

    /**
     * What one durable commit costs at least here: 200 times, a 4 KiB write at the end of a file in the
     * database directory, then {@code force} (fdatasync), as SQLite does per commit with synchronous=FULL.
     */
    static ObjectNode fsync(Path work) {
        ObjectNode n = Client.JSON.createObjectNode();
        Path file = work.resolve("fsync-probe");
        org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(3);
        try {
            Files.createDirectories(work);
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer page = java.nio.ByteBuffer.allocate(4096);
                for (int i = 0; i < 220; i++) {
                    page.clear();
                    ch.write(page, (long) i * 4096);
                    long t = System.nanoTime();
                    ch.force(false);
                    if (i >= 20) h.recordValue((System.nanoTime() - t) / 1000);
                }
            } finally {
                Files.deleteIfExists(file);
            }
            n.put("p50", h.getValueAtPercentile(50));
            n.put("p90", h.getValueAtPercentile(90));
            n.put("p99", h.getValueAtPercentile(99));
            n.put("samples", h.getTotalCount());
        } catch (IOException e) {
            n.put("error", e.toString());
        }
        return n;
    }

    private static String field(String text, String name) {
        return text.lines().filter(l -> l.startsWith(name)).map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("");
    }

    /** The soft limit on open files of this process (the server inherits it). */
    static long openFileLimit() {
        for (String line : Cpu.read(Path.of("/proc/self/limits")).lines().toList()) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return f[0].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[0]);
            }
        }
        return -1;
    }

    /** The type of the file system holding {@code dir}, from /proc/mounts (longest matching mount point). */
    static String fileSystem(Path dir) {
        try {
            Path real = dir.toAbsolutePath();
            Files.createDirectories(real);
            real = real.toRealPath();
            String best = "";
            String type = "?";
            for (String line : Cpu.read(Path.of("/proc/mounts")).lines().toList()) {
                String[] f = line.split(" ");
                if (f.length < 3) continue;
                String mount = f[1];
                if ((real.toString().equals(mount) || real.toString().startsWith(mount.endsWith("/") ? mount : mount + "/")) && mount.length() >= best.length()) {
                    best = mount;
                    type = f[2] + " (" + f[0] + " on " + mount + ")";
                }
            }
            return type;
        } catch (IOException e) {
            return "?";
        }
    }
}
