package io.swin4j.train;

/**
 * mmcv 1.x's {@code PolyLrUpdaterHook} with linear warm-up, by iteration (the mmseg Swin recipe: power 1, min 0,
 * 1500 warm-up iterations from ratio 1e-6): {@code regular(t) = (base − min)·(1 − t/maxIters)^power + min}, and during
 * warm-up ({@code t < warmupIters}) {@code regular(t)·(1 − k)} with {@code k = (1 − t/warmupIters)·(1 − warmupRatio)}:
 * mmcv scales the poly rate, not the base rate.
 */
public record PolySchedule(double baseLr, long maxIters, double power, double minLr, long warmupIters, double warmupRatio) {

    public PolySchedule {
        if (maxIters < 1) throw new IllegalArgumentException("maxIters must be >= 1, got " + maxIters);
        if (warmupIters < 0) throw new IllegalArgumentException("warmupIters must be >= 0, got " + warmupIters);
        if (warmupIters > 0 && !(warmupRatio > 0 && warmupRatio <= 1)) {
            throw new IllegalArgumentException("warmupRatio must be in (0, 1], got " + warmupRatio);
        }
    }

    /** The learning rate of iteration {@code t} (0-based: the rate mmcv sets before iteration t). */
    public double lr(long t) {
        double coeff = Math.pow(1 - (double) t / maxIters, power);
        double regular = (baseLr - minLr) * coeff + minLr;
        if (warmupIters == 0 || t >= warmupIters) return regular;
        double k = (1 - (double) t / warmupIters) * (1 - warmupRatio);
        return regular * (1 - k);
    }
}
