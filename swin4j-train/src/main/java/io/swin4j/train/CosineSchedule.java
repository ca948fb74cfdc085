package io.swin4j.train;

/**
 * timm's {@code CosineLRScheduler} as the official recipe configures it (per iteration, one cycle, warm-up as a
 * prefix): a linear warm-up from {@code warmupLr} over {@code warmupSteps}, then a half cosine from {@code baseLr}
 * to {@code minLr} over {@code cosineSteps}, then {@code minLr}.
 */
public record CosineSchedule(double baseLr, double minLr, double warmupLr, int warmupSteps, int cosineSteps) {

    public CosineSchedule {
        if (warmupSteps < 0 || cosineSteps <= 0) {
            throw new IllegalArgumentException("need warmupSteps >= 0 and cosineSteps > 0, got " + warmupSteps + ", " + cosineSteps);
        }
    }

    /** The learning rate timm's {@code _get_lr(t)} gives for iteration {@code t}. */
    public double lr(long t) {
        if (t < warmupSteps) return warmupLr + t * ((baseLr - warmupLr) / warmupSteps);
        long tc = t - warmupSteps;
        if (tc >= cosineSteps) return minLr; // past the single cycle (cycle_limit 1)
        return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * tc / cosineSteps));
    }

    /** The official rule: learning rates are given per 512 images and scale with batch × accumulation steps. */
    public static double scaledLr(double lrPer512, int batchSize, int accumulationSteps) {
        return lrPer512 * batchSize * accumulationSteps / 512.0;
    }
}
