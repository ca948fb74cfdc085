package io.swin4j.quant;

import java.util.Arrays;

/**
 * A histogram of observed values over [lo, lo + bins·width) whose range grows as data arrives: when a batch falls
 * outside it, the width doubles (pairs of bins merge exactly) and the range extends to the left or right by its own
 * length until it covers the batch, so one pass over the calibration data suffices. The exact minimum and maximum are
 * kept beside the counts. Not thread-safe.
 */
public final class Histogram {

    private final long[] counts;
    private double lo, width;
    private float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
    private long total;

    /** @param bins an even number of bins, at least 2 */
    public Histogram(int bins) {
        if (bins < 2 || bins % 2 != 0) throw new IllegalArgumentException("bins must be even and >= 2, got " + bins);
        counts = new long[bins];
    }

    public int bins() { return counts.length; }

    public double lo() { return lo; }

    public double hi() { return lo + width * counts.length; }

    public double binWidth() { return width; }

    public float min() { return min; }

    public float max() { return max; }

    public long total() { return total; }

    public long count(int bin) { return counts[bin]; }

    /** Whether nothing has been added. */
    public boolean isEmpty() { return total == 0; }

    /**
     * Grows the range to cover [batchMin, batchMax] (the first call sets it), returning the range the caller must
     * bin the batch over: {@code [lo(), hi())} with {@link #bins()} bins.
     */
    public void cover(float batchMin, float batchMax) {
        if (!(batchMin <= batchMax) || Float.isInfinite(batchMin) || Float.isInfinite(batchMax)) {
            throw new IllegalArgumentException("bad batch range [" + batchMin + ", " + batchMax + "]");
        }
        min = Math.min(min, batchMin);
        max = Math.max(max, batchMax);
        if (width == 0) {
            double span = batchMax - batchMin;
            if (span == 0) span = Math.max(Math.abs(batchMin), 1e-6);
            // A little headroom so that the first batch's maximum falls inside the last bin.
            width = span * (1 + 1e-6) / counts.length;
            lo = batchMin;
            return;
        }
        while (batchMin < lo || batchMax >= hi()) {
            long[] merged = new long[counts.length];
            int half = counts.length / 2;
            boolean extendLeft = batchMin < lo;
            // Old bins pair up; the doubled range keeps the old one in its right half (extending left) or left half.
            for (int i = 0; i < counts.length; i++) merged[(extendLeft ? half : 0) + i / 2] += counts[i];
            System.arraycopy(merged, 0, counts, 0, counts.length);
            if (extendLeft) lo -= width * counts.length;
            width *= 2;
        }
    }

    /** Adds the counts of a batch binned over the current range ({@link #cover} first). */
    public void add(long[] batchCounts) {
        if (batchCounts.length != counts.length) {
            throw new IllegalArgumentException(batchCounts.length + " counts for " + counts.length + " bins");
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += batchCounts[i];
            total += batchCounts[i];
        }
    }

    /** The centre of bin {@code i}. */
    public double centre(int i) { return lo + (i + 0.5) * width; }

    @Override
    public String toString() {
        return "Histogram[" + counts.length + " bins over [" + lo + ", " + hi() + "), min " + min + ", max " + max
                + ", " + total + " values, first counts " + Arrays.toString(Arrays.copyOf(counts, Math.min(8, counts.length))) + "]";
    }
}
