package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Stochastic depth by value against timm's {@code drop_path} (the official Swin uses it): in training each sample's
 * residual branch is multiplied by its own Bernoulli(keep) draw, a mask of shape (B, 1, ...), divided by keep =
 * 1 − p; block i of n gets p = torch.linspace(0, drop_path_rate, n)[i].
 */
class DropPathTest {

    @BeforeAll
    static void load() {
        NativeTorch.ensureLoaded();
    }

    /** timm: {@code x * x.new_empty((B, 1, 1)).bernoulli_(keep).div_(keep)}, written out per sample. */
    @Test
    void eachSampleIsDroppedWholeOrKeptAndScaledByOneOverKeep() {
        int b = 4000, per = 15;
        double p = 0.3, keep = 1 - p;
        float[] x = new float[b * per];
        java.util.Random rng = new java.util.Random(5);
        for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextGaussian() + 0.1);
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            float[] out = Tensors.toFloats(Ops.dropPath(Tensors.fromFloats(x, b, 3, 5), p, true));
            int kept = 0;
            for (int s = 0; s < b; s++) {
                boolean zero = out[s * per] == 0f;
                double worst = 0;
                for (int i = s * per; i < (s + 1) * per; i++) {
                    double expected = zero ? 0 : x[i] / keep;
                    worst = Math.max(worst, Math.abs(out[i] - expected) / Math.abs(x[i]));
                }
                if (worst > 1e-6) {
                    assertThat(Arrays.copyOfRange(out, s * per, (s + 1) * per)).as("sample %d: all 0 or all x / keep (x %s)", s,
                            Arrays.toString(Arrays.copyOfRange(x, s * per, (s + 1) * per))).isEqualTo(new float[0]);
                }
                if (!zero) kept++;
            }
            // Per sample, not per batch: ~keep of the samples survive (4000 draws: sd 0.007).
            assertThat(kept / (double) b).as("fraction of samples kept").isCloseTo(keep, within(0.035));
            // Off in eval and at p = 0: the input itself.
            assertThat(Tensors.toFloats(Ops.dropPath(Tensors.fromFloats(x, b, 3, 5), p, false))).containsExactly(x);
            assertThat(Tensors.toFloats(Ops.dropPath(Tensors.fromFloats(x, b, 3, 5), 0, true))).containsExactly(x);
        }
    }

    /** The official {@code [x.item() for x in torch.linspace(0, rate, sum(depths))]}, printed by torch 1.13. */
    @Test
    void blockRatesAreTorchLinspace() {
        double[] tiny = {0.0, 0.0181818176060915, 0.036363635212183, 0.05454545468091965, 0.072727270424366,
                0.09090908616781235, 0.10909091681241989, 0.12727272510528564, 0.1454545557498932, 0.16363637149333954,
                0.1818181872367859, 0.20000000298023224};
        assertThat(SwinConfig.preset("swin_tiny_patch4_window7_224").dropPathRates()).containsExactly(tiny, within(1e-7));
        double[] base = {0.0, 0.021739130839705467, 0.043478261679410934, 0.06521739065647125, 0.08695652335882187,
                0.10869565606117249, 0.1304347813129425, 0.15217392146587372, 0.17391304671764374, 0.19565217196941376,
                0.21739131212234497, 0.239130437374115, 0.260869562625885, 0.28260868787765503, 0.30434781312942505,
                0.32608696818351746, 0.3478260934352875, 0.3695652186870575, 0.3913043439388275, 0.41304346919059753,
                0.43478259444236755, 0.45652174949645996, 0.47826087474823, 0.5};
        assertThat(SwinConfig.preset("swin_base_patch4_window7_224").dropPathRates()).containsExactly(base, within(1e-7));
    }

    // One stage of two blocks, rate 0.6: linspace(0, 0.6, 2) = [0, 0.6], so only block 1 drops (keep 0.4).
    private static final double RATE = 0.6, KEEP = 1 - RATE;
    private static final int B = 1000;

    private static SwinTransformer model(String silenced) {
        SwinConfig c = SwinConfig.builder().optName("drop_path_test").optImgSize(28).optPatchSize(4).optEmbedDim(16)
                .optDepths(2).optNumHeads(2).optWindowSize(7).optNumClasses(3).optDropPathRate(RATE).build();
        SwinTransformer m = SwinTransformer.create(c, 1);
        try (NoGradGuard ng = new NoGradGuard()) {
            torch.manual_seed(2);
            // Larger random weights than the init, so that every branch moves the features well apart.
            m.parameters().asMap().forEach((name, t) -> {
                if (name.contains("norm")) return;
                torch.normal_(t, 0, name.endsWith("relative_position_bias_table") ? 0.5 : 0.3);
                if (silenced != null && name.startsWith(silenced)) t.zero_();
            });
        }
        return m;
    }

    /** Block 1's stage output (pre-norm features) for B copies of one image: train mode, and eval for one copy. */
    private static float[][] features(SwinTransformer m, boolean train) {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(9);
            Tensor one = torch.randn(new long[] {1, 3, 28, 28});
            Tensor x = train ? one.expand(new long[] {B, 3, 28, 28}).contiguous() : one;
            m.train(train);
            try (SwinOutput out = m.forward(x, ForwardOptions.withStageFeatures())) {
                Tensor f = out.stageFeatures().get(0);
                int n = (int) f.size(0), per = (int) (f.numel() / n);
                float[] all = Tensors.toFloats(f);
                float[][] r = new float[n][];
                for (int i = 0; i < n; i++) r[i] = Arrays.copyOfRange(all, i * per, (i + 1) * per);
                return r;
            }
        }
    }

    /** Groups equal rows (max abs difference 1e-4; distinct outcomes differ by far more, asserted). */
    private static List<float[]> clusters(float[][] rows, List<Integer> counts) {
        List<float[]> reps = new ArrayList<>();
        for (float[] r : rows) {
            int found = -1;
            for (int k = 0; k < reps.size() && found < 0; k++) if (maxDiff(reps.get(k), r) < 1e-4) found = k;
            if (found < 0) {
                reps.add(r);
                counts.add(1);
            } else {
                counts.set(found, counts.get(found) + 1);
            }
        }
        for (int i = 0; i < reps.size(); i++) {
            for (int j = i + 1; j < reps.size(); j++) assertThat(maxDiff(reps.get(i), reps.get(j))).isGreaterThan(1e-2);
        }
        return reps;
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /**
     * With one of block 1's two branches silenced (its output layer zeroed), block 1 gives h + mask·F/keep, with h the
     * block's input and F the branch; eval gives h + F. So each sample's output is either h (dropped, frequency ~p)
     * or exactly h + (eval − h)/keep: a missing 1/keep, a per-batch mask or a wrong rate each fail.
     */
    private static void checkBranch(String silenced) {
        try (SwinTransformer m = model(silenced)) {
            float[] eval = features(m, false)[0];
            List<Integer> counts = new ArrayList<>();
            List<float[]> reps = clusters(features(m, true), counts);
            assertThat(reps).as("distinct outcomes over %d samples (silenced %s)", B, silenced).hasSize(2);
            // Which one is h: the other must be h + (eval − h)/keep.
            int dropped = -1;
            for (int d = 0; d < 2; d++) {
                float[] h = reps.get(d), kept = reps.get(1 - d);
                double err = 0;
                for (int i = 0; i < h.length; i++) err = Math.max(err, Math.abs(kept[i] - (h[i] + (eval[i] - h[i]) / KEEP)));
                if (err < 1e-3) dropped = d;
            }
            assertThat(dropped).as("one outcome is the input plus (eval − input)/keep (silenced %s)", silenced).isGreaterThanOrEqualTo(0);
            assertThat(counts.get(dropped) / (double) B).as("fraction dropped (silenced %s)", silenced).isCloseTo(RATE, within(0.07));
        }
    }

    @Test
    void theAttentionBranchIsDroppedPerSampleAndRescaled() {
        checkBranch("layers.0.blocks.1.mlp.fc2.");
    }

    @Test
    void theMlpBranchIsDroppedPerSampleAndRescaled() {
        checkBranch("layers.0.blocks.1.attn.proj.");
    }

    /** Both branches live: two independent draws per sample, four outcomes at p², p·keep, keep·p, keep². */
    @Test
    void theTwoBranchesDrawIndependently() {
        try (SwinTransformer m = model(null)) {
            List<Integer> counts = new ArrayList<>();
            assertThat(clusters(features(m, true), counts)).hasSize(4);
            double[] freq = counts.stream().mapToDouble(c -> c / (double) B).sorted().toArray();
            assertThat(freq).containsExactly(new double[] {KEEP * KEEP, RATE * KEEP, RATE * KEEP, RATE * RATE}, within(0.06));
        }
    }
}
