package io.swin4j.bench;

import java.util.Arrays;

/**
 * Statistics over timed calls of one batch size. Images per second come from each call's own time, so the
 * median is robust to the odd slow call; latency percentiles are nearest-rank.
 *
 * @param batch       images per call
 * @param runs        timed calls
 * @param imgPerSec   median of batch / call time
 * @param imgPerSecMin slowest call
 * @param imgPerSecMax fastest call
 * @param latencyP50Ms median call time
 * @param latencyP95Ms 95th percentile call time
 */
public record ThroughputStats(int batch, int runs, double imgPerSec, double imgPerSecMin, double imgPerSecMax,
                              double latencyP50Ms, double latencyP95Ms) {

    public static ThroughputStats of(int batch, double[] callSeconds) {
        if (callSeconds.length == 0) throw new IllegalArgumentException("no timed calls");
        double[] s = callSeconds.clone();
        Arrays.sort(s);
        double p50 = percentile(s, 50), p95 = percentile(s, 95);
        return new ThroughputStats(batch, s.length, batch / p50, batch / s[s.length - 1], batch / s[0],
                p50 * 1e3, p95 * 1e3);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
