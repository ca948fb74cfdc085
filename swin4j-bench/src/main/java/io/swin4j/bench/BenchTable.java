package io.swin4j.bench;

import java.util.List;

/** Plain-text table of results, one row per configuration. */
public final class BenchTable {

    private BenchTable() {}

    public static String header() {
        return String.format("%-12s %-30s %-5s %5s %9s %9s %9s %9s %9s %8s %8s  %s", "engine", "model", "dtype",
                "batch", "img/s", "min", "max", "p50 ms", "p95 ms", "GFLOP/s", "peakMB", "threads");
    }

    public static String row(BenchResult r) {
        ThroughputStats s = r.stats();
        return String.format("%-12s %-30s %-5s %5d %9.2f %9.2f %9.2f %9.1f %9.1f %8.1f %8.0f  %s", r.engine(),
                r.model(), r.precision(), s.batch(), s.imgPerSec(), s.imgPerSecMin(), s.imgPerSecMax(),
                s.latencyP50Ms(), s.latencyP95Ms(), r.gflops(), r.peakRssMb(), r.threads());
    }

    public static String of(List<BenchResult> results) {
        StringBuilder b = new StringBuilder(header()).append('\n');
        results.forEach(r -> b.append(row(r)).append('\n'));
        return b.toString();
    }
}
