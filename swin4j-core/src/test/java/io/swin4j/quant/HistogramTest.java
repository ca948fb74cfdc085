package io.swin4j.quant;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The growing histogram and the three range methods, against counts and formulas written out here. */
class HistogramTest {

    /** Bins {@code values} over the histogram's current range as torch.histc does (last edge inclusive). */
    private static void add(Histogram h, double... values) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (double v : values) {
            min = Math.min(min, (float) v);
            max = Math.max(max, (float) v);
        }
        h.cover(min, max);
        long[] c = new long[h.bins()];
        for (double v : values) {
            int i = (int) Math.floor(((float) v - h.lo()) / h.binWidth());
            c[Math.max(0, Math.min(h.bins() - 1, i))]++;
        }
        h.add(c);
    }

    @Test
    void growingTheRangeMergesBinPairsWithoutLosingCounts() {
        Histogram h = new Histogram(8);
        add(h, 0, 1, 2, 3, 4, 5, 6, 7.99);
        assertThat(h.lo()).isEqualTo(0);
        long[] before = counts(h);
        assertThat(before).containsExactly(1, 1, 1, 1, 1, 1, 1, 1);
        add(h, 12); // beyond the right edge: width doubles, the old range is the left half
        assertThat(h.lo()).isEqualTo(0);
        assertThat(h.binWidth()).isCloseTo(2 * 7.99f * (1 + 1e-6) / 8, within(1e-12));
        assertThat(counts(h)).containsExactly(2, 2, 2, 2, 0, 0, 1, 0);
        add(h, -10); // beyond the left edge: the old range becomes the right half
        assertThat(h.lo()).isLessThan(-10);
        assertThat(Arrays.stream(counts(h)).sum()).isEqualTo(10);
        assertThat(counts(h)).containsExactly(0, 1, 0, 0, 4, 4, 0, 1);
        assertThat(h.min()).isEqualTo(-10f);
        assertThat(h.max()).isEqualTo(12f);
        assertThat(h.total()).isEqualTo(10);
    }

    @Test
    void minMaxPercentileAndMseChooseTheirRanges() {
        // 100,000 values uniform on [0, 1) and one outlier at 50
        double[] v = new double[100_001];
        for (int i = 0; i < 100_000; i++) v[i] = i / 100_000.0;
        v[100_000] = 50;
        assertThat(RangeMethod.PERCENTILE.choose(hist(v), 100).scale()).isEqualTo(50f / 127); // 100: the extremes
        Histogram h = new Histogram(2048);
        add(h, v);
        QParams minmax = RangeMethod.MINMAX.choose(h, 0);
        assertThat(minmax.scale()).isEqualTo(50f / 127);
        // the 99.9th percentile of the data is 0.999 (within one bin of 50/2048), the lower one 0: scale ~ 1/127
        QParams pct = RangeMethod.PERCENTILE.choose(h, 99.9);
        assertThat((double) pct.scale() * 127).isCloseTo(0.999, within(50.0 / 2048));
        assertThat(pct.zeroPoint()).isZero();
        // MSE trades the outlier for resolution on the bulk: a range under half of min-max's, with the least error of
        // the candidate ranges (min-max shrunk by f)
        QParams mse = RangeMethod.MSE.choose(h, 0);
        assertThat(mse.scale()).isLessThan(minmax.scale() / 2);
        double best = RangeMethod.squaredError(h, mse);
        for (int step = 1; step <= 20; step++) {
            QParams candidate = QParams.activation(0f, (float) (50 * step / 20.0));
            assertThat(best).as("error at f = %s", step / 20.0).isLessThanOrEqualTo(RangeMethod.squaredError(h, candidate));
        }
    }

    @Test
    void squaredErrorIsTheSumOverBinCentres() {
        Histogram h = new Histogram(2);
        add(h, -0.3, 0.9, 0.9);
        // first batch: lo = -0.3, width = 1.2 (1 + 1e-6) / 2; centres lo + w/2 and lo + 3w/2 with 1 and 2 values
        double w = (0.9f - -0.3f) * (1 + 1e-6) / 2, lo = -0.3f;
        assertThat(h.centre(0)).isCloseTo(lo + 0.5 * w, within(1e-12));
        assertThat(h.centre(1)).isCloseTo(lo + 1.5 * w, within(1e-12));
        QParams q = new QParams(0.25f, 3, 0, 127);
        double c0 = lo + 0.5 * w, c1 = lo + 1.5 * w;
        double e0 = c0 - (Math.rint(c0 / 0.25) + 3 - 3) * 0.25, e1 = c1 - (Math.rint(c1 / 0.25) + 3 - 3) * 0.25;
        assertThat(RangeMethod.squaredError(h, q)).isCloseTo(e0 * e0 + 2 * e1 * e1, within(1e-12));
        // values the kernel clamps at 0 count their full clipping error: zero point 0 puts -0.3's bin below 0
        QParams clipped = new QParams(0.25f, 0, 0, 127);
        double d0 = c0 - Math.max(0, Math.rint(c0 / 0.25)) * 0.25, d1 = c1 - Math.rint(c1 / 0.25) * 0.25;
        assertThat(RangeMethod.squaredError(h, clipped)).isCloseTo(d0 * d0 + 2 * d1 * d1, within(1e-12));
    }

    @Test
    void theFirstBatchSetsTheRangeAndEdgesGrowOnlyWhenCrossed() {
        Histogram flat = new Histogram(4);
        add(flat, 3, 3, 3);
        // a batch of one value spans |value| (at least 1e-6) so that it still has a width
        assertThat(flat.lo()).isEqualTo(3.0);
        assertThat(flat.binWidth()).isCloseTo(3 * (1 + 1e-6) / 4, within(1e-12));
        assertThat(flat.count(0)).isEqualTo(3);

        Histogram h = new Histogram(4);
        add(h, -2, 6);
        double lo = h.lo(), width = h.binWidth();
        assertThat(lo).isEqualTo(-2.0);
        assertThat(width).isCloseTo(8 * (1 + 1e-6) / 4, within(1e-12));
        h.cover((float) lo, (float) lo); // exactly at the lower edge: inside, nothing grows
        assertThat(h.lo()).isEqualTo(lo);
        assertThat(h.binWidth()).isEqualTo(width);
        h.cover(0f, (float) h.hi()); // exactly at the upper edge: outside (the range is half-open), it doubles
        assertThat(h.binWidth()).isEqualTo(2 * width);
        assertThat(h.lo()).isEqualTo(lo);
        assertThatThrownBy(() -> h.add(new long[3])).hasMessageContaining("3 counts for 4 bins");
        // a batch from exactly the lower edge past the upper one grows to the right only (growing left would keep hi)
        double before = h.lo();
        h.cover((float) before, 100f);
        assertThat(h.lo()).isEqualTo(before);
        assertThat(h.hi()).isGreaterThan(100);
    }

    @Test
    void theHundredthPercentileSkipsEmptyLowBins() {
        Histogram h = new Histogram(8);
        add(h, 0, 1, 1, 1);
        add(h, -2.5); // the range doubles leftwards twice, to [-3, 1) in bins of 0.5: bin 0 stays empty
        assertThat(h.lo()).isCloseTo(-3, within(1e-5));
        assertThat(h.count(0)).isZero();
        QParams q = RangeMethod.PERCENTILE.choose(h, 100);
        // [min, max] = [-2.5, 1]: the empty bin below -2.5 does not count, and the result is a number
        assertThat(q.scale()).isEqualTo(QParams.activation(-2.5f, 1f).scale());
        assertThat(q.zeroPoint()).isEqualTo(QParams.activation(-2.5f, 1f).zeroPoint());
    }

    @Test
    void percentileAndMseUseBothEnds() {
        // 100,000 values uniform on [-1, 1) plus one outlier at each end, -40 and +50
        double[] v = new double[100_002];
        for (int i = 0; i < 100_000; i++) v[i] = -1 + 2 * i / 100_000.0;
        v[100_000] = -40;
        v[100_001] = 50;
        Histogram h = hist(v);
        QParams pct = RangeMethod.PERCENTILE.choose(h, 99.9);
        // the 0.1th and 99.9th percentiles are -0.998 and 0.998 (within a bin of 90/2048): scale ~ 1.996 / 127
        assertThat((double) pct.min()).isCloseTo(-0.998, within(2 * 90.0 / 2048));
        assertThat((double) pct.scale() * 127).isCloseTo(1.996, within(2 * 90.0 / 2048));
        // MSE shrinks both ends together: the chosen range keeps min/max's ratio and beats min-max
        QParams mse = RangeMethod.MSE.choose(h, 0), minmax = RangeMethod.MINMAX.choose(h, 0);
        assertThat((double) mse.min() / mse.max()).isCloseTo(-40.0 / 50, within(0.05));
        assertThat(mse.scale()).isLessThan(minmax.scale());
        assertThat(RangeMethod.squaredError(h, mse)).isLessThan(RangeMethod.squaredError(h, minmax));
    }

    private static Histogram hist(double... v) {
        Histogram h = new Histogram(2048);
        add(h, v);
        return h;
    }

    @Test
    void badInputsAreRefused() {
        assertThatThrownBy(() -> new Histogram(3)).hasMessageContaining("even");
        Histogram h = new Histogram(4);
        assertThatThrownBy(() -> RangeMethod.MINMAX.choose(h, 0)).hasMessageContaining("no values observed");
        assertThatThrownBy(() -> h.cover(1f, Float.POSITIVE_INFINITY)).hasMessageContaining("bad batch range");
        add(h, 1, 2);
        assertThatThrownBy(() -> RangeMethod.PERCENTILE.choose(h, 40)).hasMessageContaining("percentile must be in (50, 100]");
        assertThatThrownBy(() -> RangeMethod.PERCENTILE.choose(h, 50)).hasMessageContaining("percentile must be in (50, 100]");
        assertThatThrownBy(() -> RangeMethod.PERCENTILE.choose(h, 100.5)).hasMessageContaining("percentile must be in (50, 100]");
        assertThat(RangeMethod.parse(" MSE ")).isEqualTo(RangeMethod.MSE);
        assertThatThrownBy(() -> RangeMethod.parse("kl")).hasMessageContaining("expected minmax, percentile or mse");
    }

    private static long[] counts(Histogram h) {
        long[] c = new long[h.bins()];
        for (int i = 0; i < c.length; i++) c[i] = h.count(i);
        return c;
    }
}
