package dev.llmchat.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * What one phase of the load driver saw on one path (server or direct): latency histograms in nanoseconds
 * (HdrHistogram, 3 significant digits), counters, and a few error messages. Samples of turns that started
 * before {@code recordFrom} (the ramp-up) are left out of the histograms but counted, since the CPU window
 * covers the whole phase.
 */
final class Tally {
    private static final long MAX = 3_600_000_000_000L;

    final String name;
    final ConcurrentHistogram ttft = histogram();
    final ConcurrentHistogram gap = histogram();
    final ConcurrentHistogram transit = histogram();
    final ConcurrentHistogram latency = histogram();
    final LongAdder turns = new LongAdder();
    final LongAdder chunks = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder mismatches = new LongAdder();
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger sampled = new AtomicInteger();
    volatile long recordFrom;
    private double wall;
    private double serverCpu;
    private double driverCpu;
    private long machineBusy;
    private long machineTotal;
    private int windows;

    Tally(String name) {
        this.name = name;
    }

    private static ConcurrentHistogram histogram() {
        return new ConcurrentHistogram(MAX, 3);
    }

    /** Records a streamed turn; {@code sent} are the fake's departure times of its chunks, or null. */
    void stream(Client.Outcome o, String expectedText, long[] sent) {
        if (!o.ok()) {
            error(o.error);
            return;
        }
        turns.increment();
        chunks.add(o.chunks);
        if (!o.text.toString().equals(expectedText)) {
            mismatches.increment();
            error("reply text differs from what the upstream sent (" + o.chunks + " chunks)");
            return;
        }
        if (o.start < recordFrom) return;
        ttft.recordValue(Math.max(0, o.firstAt - o.start));
        for (int i = 1; i < o.chunks; i++) gap.recordValue(Math.max(0, o.arrivals[i] - o.arrivals[i - 1]));
        if (sent != null && sent.length == o.chunks) {
            for (int i = 0; i < o.chunks; i++) transit.recordValue(Math.max(0, o.arrivals[i] - sent[i]));
        }
    }

    /** Records a whole (non-streamed) turn. */
    void reply(long start, long end, boolean ok, String error) {
        if (!ok) {
            error(error);
            return;
        }
        turns.increment();
        if (start >= recordFrom) latency.recordValue(end - start);
    }

    void error(String message) {
        errors.increment();
        if (sampled.incrementAndGet() <= 5) errorSamples.add(String.valueOf(message));
    }

    /** Adds one phase's wall time and CPU (a tally may collect several interleaved phases). */
    void add(Cpu.Window w) {
        wall += w.wallSeconds();
        serverCpu += w.serverSeconds();
        driverCpu += w.driverSeconds();
        machineBusy += w.to().machineBusy() - w.from().machineBusy();
        machineTotal += w.to().machineTotal() - w.from().machineTotal();
        windows++;
    }

    double seconds() {
        return wall;
    }

    double serverCpuSeconds() {
        return serverCpu;
    }

    /** Server CPU per streamed chunk (all of it: per-turn work included), in microseconds. */
    double serverCpuPerChunkMicros() {
        return chunks.sum() == 0 ? Double.NaN : serverCpu * 1e6 / chunks.sum();
    }

    /** Server CPU per turn, in microseconds. */
    double serverCpuPerTurnMicros() {
        return turns.sum() == 0 ? Double.NaN : serverCpu * 1e6 / turns.sum();
    }

    ObjectNode json() {
        ObjectNode n = Client.JSON.createObjectNode();
        n.put("name", name);
        n.put("seconds", round(seconds()));
        n.put("turns", turns.sum());
        n.put("chunks", chunks.sum());
        n.put("errors", errors.sum());
        n.put("text_mismatches", mismatches.sum());
        n.put("turns_per_second", round(turns.sum() / seconds()));
        n.put("chunks_per_second", round(chunks.sum() / seconds()));
        if (ttft.getTotalCount() > 0) n.set("ttft_us", percentiles(ttft));
        if (gap.getTotalCount() > 0) n.set("gap_us", percentiles(gap));
        if (transit.getTotalCount() > 0) n.set("transit_us", percentiles(transit));
        if (latency.getTotalCount() > 0) n.set("latency_us", percentiles(latency));
        if (windows > 0) {
            ObjectNode c = n.putObject("cpu");
            c.put("phases", windows);
            c.put("server_cpu_seconds", round(serverCpu));
            c.put("server_cores_busy", round(serverCpu / wall));
            c.put("driver_and_fake_cores_busy", round(driverCpu / wall));
            double machineCores = machineTotal == 0 ? 0 : Runtime.getRuntime().availableProcessors() * (double) machineBusy / machineTotal;
            c.put("machine_busy_percent", machineTotal == 0 ? 0 : round(100.0 * machineBusy / machineTotal));
            // whatever else ran on the machine meanwhile (other builds, tests): busy cores not ours
            c.put("other_processes_cores_busy", round(Math.max(0, machineCores - serverCpu / wall - driverCpu / wall)));
            if (chunks.sum() > 0) c.put("server_cpu_per_chunk_us", round(serverCpuPerChunkMicros()));
            if (turns.sum() > 0) c.put("server_cpu_per_turn_us", round(serverCpuPerTurnMicros()));
        }
        if (!errorSamples.isEmpty()) {
            var arr = n.putArray("error_samples");
            errorSamples.forEach(arr::add);
        }
        return n;
    }

    static ObjectNode percentiles(Histogram h) {
        ObjectNode n = Client.JSON.createObjectNode();
        n.put("count", h.getTotalCount());
        n.put("p50", us(h.getValueAtPercentile(50)));
        n.put("p90", us(h.getValueAtPercentile(90)));
        n.put("p99", us(h.getValueAtPercentile(99)));
        n.put("p999", us(h.getValueAtPercentile(99.9)));
        n.put("max", us(h.getMaxValue()));
        n.put("mean", round(h.getMean() / 1000));
        return n;
    }

    /** Percentiles of raw nanosecond samples that may be negative (paired differences). */
    static ObjectNode percentiles(long[] samples) {
        long[] s = samples.clone();
        Arrays.sort(s);
        ObjectNode n = Client.JSON.createObjectNode();
        n.put("count", s.length);
        if (s.length == 0) return n;
        n.put("p50", us(at(s, 50)));
        n.put("p90", us(at(s, 90)));
        n.put("p99", us(at(s, 99)));
        n.put("max", us(s[s.length - 1]));
        n.put("min", us(s[0]));
        n.put("mean", round(Arrays.stream(s).average().orElse(0) / 1000));
        return n;
    }

    private static long at(long[] sorted, double percentile) {
        int i = (int) Math.ceil(percentile / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static double us(long nanos) {
        return round(nanos / 1000.0);
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
