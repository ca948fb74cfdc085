package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.testing.Fixtures;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Mixup, CutMix, mixed smoothed targets and the soft-target loss equal timm's (make_mixup_fixtures.py). */
class MixupTest {

    private static final JsonNode C = Fixtures.json(Fixtures.root().resolve("mixup/cases.json"));

    private static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) a.get(i).asDouble();
        return f;
    }

    private static void assertAllClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) assertThat(actual[i]).as("%s[%d]", what, i).isCloseTo(expected[i], within(1e-6f));
    }

    @Test
    void mixupCutmixAndTargetsEqualTimm() {
        NativeTorch.ensureLoaded();
        long[] shape = new long[C.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = C.get("shape").get(i).asLong();
        int[] labels = new int[4];
        for (int i = 0; i < 4; i++) labels[i] = C.get("target").get(i).asInt();
        Mixup mixup = new Mixup(0.8, 1.0, 1.0, 0.5, C.get("smoothing").asDouble(), C.get("num_classes").asInt());
        try (PointerScope scope = new PointerScope()) {
            Tensor y = Tensors.fromInts(labels, 4);
            // mixup at λ = 0.3
            Tensor x = Tensors.fromFloats(floats(C.get("input")), shape);
            double lam = C.get("mixup").get("lam").asDouble();
            Mixup.applyToImages(x, new Mixup.Params(lam, false, 0, 0, 0, 0));
            assertAllClose(Tensors.toFloats(x), floats(C.get("mixup").get("output")), "mixup images");
            assertAllClose(Tensors.toFloats(mixup.targets(y, lam)), floats(C.get("mixup").get("target")), "mixup targets");
            // cutmix: timm drew λ 0.6 and this centre; the box and corrected λ must follow
            JsonNode cm = C.get("cutmix");
            Mixup.Params p = Mixup.cutmixBox(cm.get("lam_drawn").asDouble(), 8, 10, cm.get("center").get(0).asInt(),
                    cm.get("center").get(1).asInt());
            assertThat(new int[] {p.yl(), p.yh(), p.xl(), p.xh()}).containsExactly(
                    cm.get("box").get(0).asInt(), cm.get("box").get(1).asInt(), cm.get("box").get(2).asInt(), cm.get("box").get(3).asInt());
            assertThat(p.lam()).isCloseTo(cm.get("lam").asDouble(), within(1e-12));
            Tensor x2 = Tensors.fromFloats(floats(C.get("input")), shape);
            Mixup.applyToImages(x2, p);
            assertAllClose(Tensors.toFloats(x2), floats(cm.get("output")), "cutmix images");
            assertAllClose(Tensors.toFloats(mixup.targets(y, p.lam())), floats(cm.get("target")), "cutmix targets");
            // soft-target cross-entropy
            JsonNode ce = C.get("soft_ce");
            Tensor loss = Mixup.softTargetCrossEntropy(Tensors.fromFloats(floats(ce.get("logits")), 4, 5),
                    Tensors.fromFloats(floats(ce.get("target")), 4, 5));
            assertThat((double) loss.item_float()).isCloseTo(ce.get("loss").asDouble(), within(1e-6));
        }
    }

    @Test
    void samplingIsSeededAndInRange() {
        Mixup m = Mixup.official(10);
        SplittableRandom a = new SplittableRandom(42), b = new SplittableRandom(42);
        for (int i = 0; i < 2000; i++) {
            Mixup.Params p = m.sample(a, 224, 224);
            assertThat(p).isEqualTo(m.sample(b, 224, 224));
            assertThat(p.lam()).isBetween(0.0, 1.0);
        }
    }

    // ---- the draws' distributions (timm's _params_per_batch, np.random.beta), against formulas written out here ----

    private static final int N = 40000;

    /** ln Γ(x), Lanczos (g = 7, 9 terms; relative error ~1e-15). */
    static double lnGamma(double x) {
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
                12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
        x -= 1;
        double s = c[0], t = x + 7.5;
        for (int i = 1; i < 9; i++) s += c[i] / (x + i);
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
    }

    /** The Beta(a, b) CDF: the regularized incomplete beta function by its continued fraction (modified Lentz). */
    static double betaCdf(double x, double a, double b) {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
        return x < (a + 1) / (a + b + 2) ? front * betaFraction(x, a, b) / a : 1 - front * betaFraction(1 - x, b, a) / b;
    }

    private static double betaFraction(double x, double a, double b) {
        double tiny = 1e-300, c = 1, d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.abs(d) < tiny ? tiny : d);
        double h = d;
        for (int m = 1; m <= 1000; m++) {
            for (int half = 0; half < 2; half++) {
                double num = half == 0 ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                        : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
                d = 1 + num * d;
                d = 1 / (Math.abs(d) < tiny ? tiny : d);
                c = 1 + num / c;
                if (Math.abs(c) < tiny) c = tiny;
                h *= d * c;
                if (half == 1 && Math.abs(d * c - 1) < 1e-15) return h;
            }
        }
        throw new AssertionError("incomplete beta did not converge at x=" + x);
    }

    /** Kolmogorov–Smirnov distance of a sample from the Beta(α, α) CDF. */
    static double ksToBeta(double[] sample, double alpha) {
        double[] s = sample.clone();
        Arrays.sort(s);
        double d = 0;
        for (int i = 0; i < s.length; i++) {
            double f = betaCdf(s[i], alpha, alpha);
            d = Math.max(d, Math.max((i + 1.0) / s.length - f, f - (double) i / s.length));
        }
        return d;
    }

    /** KS critical value at the 0.1% level. */
    private static double ksCritical(int n) {
        return 1.95 / Math.sqrt(n);
    }

    private static double variance(double[] v) {
        double mean = Arrays.stream(v).average().orElseThrow(), s = 0;
        for (double x : v) s += (x - mean) * (x - mean);
        return s / (v.length - 1);
    }

    @Test
    void theReferenceBetaCdfHasItsClosedForms() {
        for (double x : new double[] {1e-6, 0.03, 0.2, 0.5, 0.77, 0.999}) {
            assertThat(betaCdf(x, 1, 1)).isCloseTo(x, within(1e-12));
            assertThat(betaCdf(x, 2, 2)).isCloseTo(3 * x * x - 2 * x * x * x, within(1e-12));
            assertThat(betaCdf(x, 0.5, 0.5)).isCloseTo(2 / Math.PI * Math.asin(Math.sqrt(x)), within(1e-10));
            assertThat(betaCdf(x, 0.2, 0.2) + betaCdf(1 - x, 0.2, 0.2)).isCloseTo(1, within(1e-10)); // symmetry
        }
        assertThat(betaCdf(0.5, 0.8, 0.8)).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void betaDrawsFollowBetaAlphaAlpha() {
        // Beta(α, α): mean 1/2, variance 1/(4(2α+1)). α + 0.3 moves the KS distance by ≥ 0.034 (critical 0.0098) and the
        // variance by ≥ 0.018 (tolerance 0.003).
        for (double alpha : new double[] {0.8, 1.0, 0.2}) {
            SplittableRandom r = new SplittableRandom(1 + (long) (alpha * 10));
            double[] x = new double[N];
            for (int i = 0; i < N; i++) x[i] = Mixup.beta(r, alpha, alpha);
            assertThat(ksToBeta(x, alpha)).as("KS distance of Beta(%s, %s) draws", alpha, alpha).isLessThan(ksCritical(N));
            assertThat(variance(x)).as("variance of Beta(%s, %s) draws", alpha, alpha).isCloseTo(1 / (4 * (2 * alpha + 1)), within(0.003));
            assertThat(Arrays.stream(x).average().orElseThrow()).isCloseTo(0.5, within(0.01));
        }
    }

    @Test
    void theRecipesDrawsMixWithMixupAlphaOrCutmixAlphaHalfTheTime() {
        Mixup m = Mixup.official(10); // mixup α 0.8, cutmix α 1.0, prob 1, switch 0.5
        SplittableRandom rng = new SplittableRandom(5);
        List<Double> mix = new ArrayList<>(), cut = new ArrayList<>();
        int[] cy = new int[7], cx = new int[11];
        for (int i = 0; i < N; i++) {
            Mixup.Draw d = m.draw(rng, 7, 11);
            assertThat(d.mix()).as("prob 1.0 always mixes").isTrue();
            (d.cutmix() ? cut : mix).add(d.lam());
            if (d.cutmix()) {
                cy[d.cy()]++;
                cx[d.cx()]++;
            }
        }
        // switch probability 0.5: 4 standard errors
        assertThat((double) cut.size() / N).as("share of CutMix draws").isCloseTo(0.5, within(4 * Math.sqrt(0.25 / N)));
        // each kind with its own α: swapping them moves the KS distance to ≥ 0.034 (critical 0.0138 at 20000)
        double[] mixLam = mix.stream().mapToDouble(Double::doubleValue).toArray(), cutLam = cut.stream().mapToDouble(Double::doubleValue).toArray();
        assertThat(ksToBeta(mixLam, 0.8)).as("mixup λ against Beta(0.8, 0.8)").isLessThan(ksCritical(mixLam.length));
        assertThat(ksToBeta(cutLam, 1.0)).as("CutMix λ (before correction) against Beta(1, 1)").isLessThan(ksCritical(cutLam.length));
        // box centres uniform over rows and columns: chi-square at the 0.1% level (6 df: 22.46, 10 df: 29.59)
        assertThat(chiSquareUniform(cy)).as("rows of CutMix centres %s", Arrays.toString(cy)).isLessThan(22.46);
        assertThat(chiSquareUniform(cx)).as("columns of CutMix centres %s", Arrays.toString(cx)).isLessThan(29.59);
        // sample() turns exactly these draws into the batch parameters
        SplittableRandom a = new SplittableRandom(9), b = new SplittableRandom(9);
        for (int i = 0; i < 500; i++) {
            Mixup.Draw d = m.draw(a, 7, 11);
            Mixup.Params p = m.sample(b, 7, 11);
            assertThat(p).isEqualTo(d.cutmix() ? Mixup.cutmixBox(d.lam(), 7, 11, d.cy(), d.cx()) : new Mixup.Params(d.lam(), false, 0, 0, 0, 0));
        }
    }

    private static double chiSquareUniform(int[] counts) {
        double total = Arrays.stream(counts).sum(), e = total / counts.length, chi2 = 0;
        for (int c : counts) chi2 += (c - e) * (c - e) / e;
        return chi2;
    }

    @Test
    void mixProbabilityAndSingleKindConfigurations() {
        SplittableRandom rng = new SplittableRandom(6);
        Mixup sometimes = new Mixup(0.8, 1.0, 0.3, 0.5, 0.1, 10);
        int none = 0;
        for (int i = 0; i < N; i++) if (sometimes.sample(rng, 16, 16) == Mixup.Params.NONE) none++;
        assertThat((double) none / N).as("share left unmixed at prob 0.3").isCloseTo(0.7, within(4 * Math.sqrt(0.21 / N)));
        Mixup mixupOnly = new Mixup(0.2, 0, 1.0, 0.5, 0.1, 10), cutmixOnly = new Mixup(0, 0.2, 1.0, 0.5, 0.1, 10);
        double[] lm = new double[N / 4], lc = new double[N / 4];
        for (int i = 0; i < lm.length; i++) {
            Mixup.Draw d = mixupOnly.draw(rng, 16, 16), e = cutmixOnly.draw(rng, 16, 16);
            assertThat(d.cutmix()).isFalse();
            assertThat(e.cutmix()).isTrue();
            lm[i] = d.lam();
            lc[i] = e.lam();
        }
        assertThat(ksToBeta(lm, 0.2)).isLessThan(ksCritical(lm.length));
        assertThat(ksToBeta(lc, 0.2)).isLessThan(ksCritical(lc.length));
        assertThat(new Mixup(0, 0, 1.0, 0.5, 0.1, 10).sample(rng, 16, 16)).isEqualTo(Mixup.Params.NONE);
    }

    @Test
    void cutmixBoxesAndCorrectedLambdaEqualTimmsRandBbox() {
        // timm's cutmix_bbox_and_lam for 400 λ and image sizes, with the centre it drew (make_mixup_fixtures.py)
        JsonNode cases = Fixtures.json(Fixtures.root().resolve("mixup/rand_bbox.json")).get("cases");
        assertThat(cases).hasSize(400);
        for (JsonNode c : cases) {
            int h = c.get("h").asInt(), w = c.get("w").asInt();
            double lam = c.get("lam").asDouble();
            Mixup.Params p = Mixup.cutmixBox(lam, h, w, c.get("center").get(0).asInt(), c.get("center").get(1).asInt());
            JsonNode box = c.get("box");
            assertThat(new int[] {p.yl(), p.yh(), p.xl(), p.xh()}).as("box for λ %s on %dx%d at %s", lam, h, w, c.get("center"))
                    .containsExactly(box.get(0).asInt(), box.get(1).asInt(), box.get(2).asInt(), box.get(3).asInt());
            assertThat(p.lam()).as("corrected λ for λ %s on %dx%d", lam, h, w).isEqualTo(c.get("lam_corrected").asDouble());
            assertThat(p.cutmix()).isTrue();
        }
    }
}
