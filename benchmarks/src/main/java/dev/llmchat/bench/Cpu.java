package dev.llmchat.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time from /proc: a process's utime + stime (all its threads, live and ended; clock ticks of 10 ms,
 * USER_HZ = 100 on Linux) and the whole machine's busy share from /proc/stat. So "CPU per chunk" holds on
 * any machine and needs no agent in the server.
 */
final class Cpu {
    static final double TICK_SECONDS = 0.01;

    private Cpu() {
    }

    record Snapshot(long serverTicks, long selfTicks, long machineBusy, long machineTotal, long nanos) {
    }

    /** CPU spent between two snapshots. */
    record Window(Snapshot from, Snapshot to) {
        double serverSeconds() {
            return (to.serverTicks - from.serverTicks) * TICK_SECONDS;
        }

        double driverSeconds() {
            return (to.selfTicks - from.selfTicks) * TICK_SECONDS;
        }

        double wallSeconds() {
            return (to.nanos - from.nanos) / 1e9;
        }

        double machineBusyShare() {
            long total = to.machineTotal - from.machineTotal;
            return total == 0 ? 0 : (double) (to.machineBusy - from.machineBusy) / total;
        }

        ObjectNode json() {
            ObjectNode n = Client.JSON.createObjectNode();
            n.put("server_cpu_seconds", Tally.round(serverSeconds()));
            n.put("server_cores_busy", Tally.round(serverSeconds() / wallSeconds()));
            n.put("driver_and_fake_cores_busy", Tally.round(driverSeconds() / wallSeconds()));
            n.put("machine_busy_percent", Tally.round(100 * machineBusyShare()));
            return n;
        }
    }

    static Snapshot snapshot(long serverPid) {
        long[] machine = machine();
        return new Snapshot(serverPid > 0 ? processTicks(serverPid) : 0, processTicks(ProcessHandle.current().pid()), machine[0], machine[1], System.nanoTime());
    }

    static long processTicks(long pid) {
        String stat = read(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** {busy, total} jiffies of all CPUs. */
    static long[] machine() {
        String line = read(Path.of("/proc/stat")).lines().findFirst().orElseThrow();
        String[] f = line.trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) total += Long.parseLong(f[i]);
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    /** Resident set size in KiB. */
    static long rssKib(long pid) {
        for (String line : read(Path.of("/proc/" + pid + "/status")).lines().toList()) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return -1;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
