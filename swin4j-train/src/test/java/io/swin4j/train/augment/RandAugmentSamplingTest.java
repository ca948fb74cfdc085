package io.swin4j.train.augment;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * RandAugment's random decisions have timm's distributions (auto_augment.py: {@code RandAugment.__call__},
 * {@code AugmentOp.__call__}, {@code _randomly_negate}), checked with fixed seeds against formulas written out here.
 * Tolerances are about 4 standard errors; each names the wrong variant it rules out.
 */
class RandAugmentSamplingTest {

    private static final int N = 20000;

    private static RandAugment ra(String spec) {
        return RandAugment.parse(spec, RandAugment.IMAGENET_FILL);
    }

    /** Standard normal CDF through erf (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
    static double phi(double z) {
        double x = Math.abs(z) / Math.sqrt(2), t = 1 / (1 + 0.3275911 * x);
        double erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
        return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }

    /**
     * Kolmogorov–Smirnov distance between the sorted sample's empirical CDF and {@code cdf}, which may have atoms: at each
     * distinct value x the empirical F(x) is compared with cdf(x) and the empirical F(x−) with cdf just below x.
     */
    static double ks(double[] sorted, DoubleUnaryOperator cdf) {
        double d = 0;
        int n = sorted.length;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j < n && sorted[j] == sorted[i]) j++;
            double x = sorted[i];
            d = Math.max(d, Math.abs((double) j / n - cdf.applyAsDouble(x)));
            d = Math.max(d, Math.abs((double) i / n - cdf.applyAsDouble(Math.nextDown(x))));
            i = j;
        }
        return d;
    }

    /** KS critical value at the 0.1% level for n draws. */
    private static double ksCritical(int n) {
        return 1.95 / Math.sqrt(n);
    }

    private static double[] magnitudes(RandAugment ra, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] m = new double[N];
        for (int i = 0; i < N; i++) m[i] = ra.sampleMagnitude(rng);
        Arrays.sort(m);
        return m;
    }

    /** CDF of clip(N(mu, sd), 0, 10): atoms at 0 and 10. */
    private static DoubleUnaryOperator clippedNormal(double mu, double sd) {
        return x -> x < 0 ? 0 : x >= 10 ? 1 : phi((x - mu) / sd);
    }

    @Test
    void magnitudeIsGaussianAroundMWithStd05ClippedToTen() {
        double[] m = magnitudes(ra("rand-m9-mstd0.5-inc1"), 11);
        // KS against clip(N(9, 0.5), 0, 10): "no noise" gives 0.5, std 1.0 gives ~0.15, mean 9.5 gives ~0.38
        assertThat(ks(m, clippedNormal(9, 0.5))).as("KS distance to clip(N(9, 0.5))").isLessThan(ksCritical(N));
        // the atom at 10: P(N(9, 0.5) >= 10) = 1 − Φ(2) ≈ 0.02275; without clipping there is none (and values > 10)
        long atTen = Arrays.stream(m).filter(v -> v == 10.0).count();
        double pTen = 1 - phi(2);
        assertThat((double) atTen / N).as("share clipped to 10").isCloseTo(pTen, within(4 * Math.sqrt(pTen * (1 - pTen) / N)));
        assertThat(m[N - 1]).isEqualTo(10.0);
        // sample standard deviation of the unclipped part against the truncated normal's (mass below 10)
        double sd = sd(Arrays.stream(m).filter(v -> v < 10).toArray());
        double a = 2, lam = Math.exp(-a * a / 2) / Math.sqrt(2 * Math.PI) / phi(a); // N(0,1) truncated above at 2
        double truncatedSd = 0.5 * Math.sqrt(1 - a * lam - lam * lam);
        assertThat(sd).as("sd of the magnitudes below 10 (std 1.0 would give ~0.8)").isCloseTo(truncatedSd, within(0.02));
    }

    @Test
    void magnitudeClipsAtZeroAndHonoursMmax() {
        double[] low = magnitudes(ra("rand-m1-mstd1"), 12);
        assertThat(low[0]).isEqualTo(0.0);
        double p0 = phi(-1); // P(N(1, 1) <= 0)
        assertThat((double) Arrays.stream(low).filter(v -> v == 0.0).count() / N).as("share clipped to 0")
                .isCloseTo(p0, within(4 * Math.sqrt(p0 * (1 - p0) / N)));
        assertThat(ks(low, clippedNormal(1, 1))).isLessThan(ksCritical(N));
        // mmax15 raises the upper bound: N(14, 1) is clipped at 15, not 10
        double[] high = magnitudes(ra("rand-m14-mstd1-mmax15"), 13);
        assertThat(high[N - 1]).isEqualTo(15.0);
        assertThat(ks(high, x -> x >= 15 ? 1 : phi(x - 14))).isLessThan(ksCritical(N));
        // mstd0: the magnitude is m itself, every time
        assertThat(magnitudes(ra("rand-m9-inc1"), 14)).containsOnly(9.0);
    }

    @Test
    void mstdAbove100IsUniformOnZeroToM() {
        // timm: "mstd > 100" means magnitude ~ U(0, m)
        double[] u = magnitudes(ra("rand-m9-mstd101-inc1"), 15);
        assertThat(ks(u, x -> Math.max(0, Math.min(1, x / 9)))).as("KS distance to U(0, 9)").isLessThan(ksCritical(N));
    }

    @Test
    void theSignIsNegatedHalfTheTimeForExactlyTheOpsTimmNegates() {
        RandAugment inc = ra("rand-m9-mstd0.5-inc1");
        SplittableRandom rng = new SplittableRandom(21);
        for (String op : RandAugment.OPS) {
            double kept = inc.levelToArgs(op, 9, false).length == 0 ? 0 : inc.levelToArgs(op, 9, false)[0];
            int negated = 0;
            for (int i = 0; i < N; i++) {
                double[] a = inc.levelToArgs(op, 9, rng);
                if (a.length > 0 && a[0] != kept) negated++;
            }
            double share = (double) negated / N;
            if (inc.negates(op)) {
                // "never negate" gives 0, "always negate" 1
                assertThat(share).as("%s: share of draws negated", op).isCloseTo(0.5, within(4 * Math.sqrt(0.25 / N)));
            } else {
                assertThat(share).as("%s takes no sign", op).isZero();
            }
        }
        assertThat(RandAugment.OPS.stream().filter(inc::negates)).containsExactlyInAnyOrder("Rotate", "ShearX", "ShearY",
                "TranslateXRel", "TranslateYRel", "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing");
        // the original (non-increasing) enhance ops take no sign
        assertThat(ra("rand-m9").negates("ColorIncreasing")).isFalse();
    }

    @Test
    void opsAreChosenUniformlyWithReplacementAndAppliedWithProbabilityP() {
        for (String spec : new String[] {"rand-m9-mstd0.5-inc1", "rand-m9-mstd0.5-inc1-p0.3", "rand-m9-inc1-p1.0"}) {
            RandAugment ra = ra(spec);
            double p = spec.endsWith("p0.3") ? 0.3 : spec.endsWith("p1.0") ? 1.0 : 0.5;
            SplittableRandom rng = new SplittableRandom(31);
            int[] counts = new int[RandAugment.OPS.size()];
            int applied = 0;
            for (int i = 0; i < N; i++) {
                RandAugment.Layer layer = ra.drawLayer(rng);
                counts[RandAugment.OPS.indexOf(layer.op())]++;
                if (layer.applied()) {
                    applied++;
                    assertThat(layer.args()).isNotNull();
                }
            }
            // chi-square, 14 degrees of freedom, 0.1% critical value 36.12: dropping or doubling one op fails
            double expected = (double) N / counts.length, chi2 = 0;
            for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
            assertThat(chi2).as("%s: chi-square of op counts %s", spec, Arrays.toString(counts)).isLessThan(36.12);
            assertThat((double) applied / N).as("%s: share of layers applied", spec)
                    .isCloseTo(p, within(4 * Math.sqrt(p * (1 - p) / N) + 1e-12));
        }
    }

    private static double sd(double[] v) {
        double mean = Arrays.stream(v).average().orElseThrow(), s = 0;
        for (double x : v) s += (x - mean) * (x - mean);
        return Math.sqrt(s / (v.length - 1));
    }
}
