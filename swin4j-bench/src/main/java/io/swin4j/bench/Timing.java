package io.swin4j.bench;

import java.util.Arrays;

/** Times a batch operation: untimed warm-up runs, then timed runs until both a run count and a duration are met. */
public final class Timing {

    private Timing() {}

    /**
     * @param images     images one call of {@code op} processes (the batch size)
     * @param warmupRuns untimed calls first (allocator, caches, lazy initialisation)
     * @param minRuns    at least this many timed calls
     * @param minSeconds and at least this long in timed calls
     */
    public static ThroughputStats measure(int images, int warmupRuns, int minRuns, double minSeconds, Runnable op) {
        if (images < 1 || minRuns < 1) throw new IllegalArgumentException("images and minRuns must be >= 1");
        for (int i = 0; i < warmupRuns; i++) op.run();
        double[] seconds = new double[Math.max(minRuns, 16)];
        int n = 0;
        long start = System.nanoTime();
        while (n < minRuns || (System.nanoTime() - start) / 1e9 < minSeconds) {
            long t0 = System.nanoTime();
            op.run();
            if (n == seconds.length) seconds = Arrays.copyOf(seconds, n * 2);
            seconds[n++] = (System.nanoTime() - t0) / 1e9;
        }
        return ThroughputStats.of(images, Arrays.copyOf(seconds, n));
    }
}
