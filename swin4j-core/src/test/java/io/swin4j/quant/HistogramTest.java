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
        add(h, 0.1, 0.9);
        // bins [0.1, ~0.5) and [~0.5, 0.9]: centres lo + 0.5w and lo + 1.5w, one value each
        QParams q = new QParams(0.25f, 0, 0, 127);
        double c0 = h.centre(0), c1 = h.centre(1);
        double e0 = c0 - Math.rint(c0 / 0.25) * 0.25, e1 = c1 - Math.rint(c1 / 0.25) * 0.25;
        assertThat(RangeMethod.squaredError(h, q)).isCloseTo(e0 * e0 + e1 * e1, within(1e-12));
    }

    @Test
    void badInputsAreRefused() {
        assertThatThrownBy(() -> new Histogram(3)).hasMessageContaining("even");
        Histogram h = new Histogram(4);
        assertThatThrownBy(() -> RangeMethod.MINMAX.choose(h, 0)).hasMessageContaining("no values observed");
        assertThatThrownBy(() -> h.cover(1f, Float.POSITIVE_INFINITY)).hasMessageContaining("bad batch range");
        add(h, 1, 2);
        assertThatThrownBy(() -> RangeMethod.PERCENTILE.choose(h, 40)).hasMessageContaining("percentile must be in (50, 100]");
        assertThatThrownBy(() -> RangeMethod.parse("kl")).hasMessageContaining("expected minmax, percentile or mse");
    }

    private static long[] counts(Histogram h) {
        long[] c = new long[h.bins()];
        for (int i = 0; i < c.length; i++) c[i] = h.count(i);
        return c;
    }
}
