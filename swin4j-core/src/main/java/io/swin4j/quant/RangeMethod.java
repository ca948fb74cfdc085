package io.swin4j.quant;

import java.util.Locale;

/**
 * How calibration chooses an activation range from a {@link Histogram}: the observed extremes (what the paper's PTQ
 * uses: running min-max), a percentile on each side (clips rare outliers), or the range whose quantization error is
 * smallest (MSE).
 */
public enum RangeMethod {
    /** [observed min, observed max]. */
    MINMAX,
    /** [the (100 − p)th percentile, the p-th percentile] of the observed values, p = 99.99 by default. */
    PERCENTILE,
    /**
     * The range minimising the expected squared error of quantize-dequantize over the histogram (each bin's values at
     * its centre): candidates shrink the min-max range towards 0 in steps of 1% (to 1% of it), both ends together.
     */
    MSE;

    public static final double DEFAULT_PERCENTILE = 99.99;

    /** {@code minmax}, {@code percentile} or {@code mse}, any case. */
    public static RangeMethod parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown calibration method '" + s + "': expected minmax, percentile or mse");
        }
    }

    /** The activation parameters (uint8, reduced range) this method chooses for {@code h}. */
    public QParams choose(Histogram h, double percentile) {
        if (h.isEmpty()) throw new IllegalArgumentException("no values observed");
        return switch (this) {
            case MINMAX -> QParams.activation(h.min(), h.max());
            case PERCENTILE -> {
                if (!(percentile > 50 && percentile <= 100)) {
                    throw new IllegalArgumentException("percentile must be in (50, 100], got " + percentile);
                }
                yield QParams.activation(quantile(h, 1 - percentile / 100), quantile(h, percentile / 100));
            }
            case MSE -> mse(h);
        };
    }

    /**
     * The value below which a fraction {@code f} of the observations lie, interpolated linearly inside its bin and
     * kept within the observed [min, max].
     */
    static float quantile(Histogram h, double f) {
        double target = f * h.total();
        long cumulative = 0;
        for (int i = 0; i < h.bins(); i++) {
            long c = h.count(i);
            if (c > 0 && cumulative + c >= target) {
                double within = (target - cumulative) / c;
                double v = h.lo() + (i + within) * h.binWidth();
                return (float) Math.max(h.min(), Math.min(h.max(), v));
            }
            cumulative += c;
        }
        return h.max();
    }

    private static QParams mse(Histogram h) {
        QParams best = null;
        double bestError = Double.POSITIVE_INFINITY;
        for (int step = 100; step >= 1; step--) {
            double f = step / 100.0;
            QParams q = QParams.activation((float) (h.min() * f), (float) (h.max() * f));
            double e = squaredError(h, q);
            if (e < bestError) {
                bestError = e;
                best = q;
            }
        }
        return best;
    }

    /** Σ count·(centre − dequantize(quantize(centre)))² over the bins, quantizing to the kernel's full [0, 255]. */
    static double squaredError(Histogram h, QParams q) {
        double sum = 0;
        for (int i = 0; i < h.bins(); i++) {
            long c = h.count(i);
            if (c == 0) continue;
            double v = h.centre(i);
            double qv = Math.max(0, Math.min(255, Math.rint(v / q.scale()) + q.zeroPoint()));
            double d = v - (qv - q.zeroPoint()) * q.scale();
            sum += c * d * d;
        }
        return sum;
    }
}
