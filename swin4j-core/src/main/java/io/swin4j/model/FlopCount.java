package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import io.swin4j.geometry.WindowPlan;

/**
 * Multiply-accumulates of one forward pass for one image, counted term by term as the official
 * {@code SwinTransformer.flops()} counts them (what the paper and the official tables call FLOPs; Swin-T 224:
 * 4.49 G). Multiply by 2 for floating-point operations. Pure arithmetic, no libtorch.
 */
public final class FlopCount {

    private FlopCount() {}

    /** At the config's own image size: equals the official {@code flops()}. */
    public static double macs(SwinConfig c) {
        return macs(c, c.imgSize(), c.imgSize());
    }

    /**
     * At any input size. Windows padded to full size are counted as computed, since the model computes
     * them; where nothing is padded this is the official count.
     */
    public static double macs(SwinConfig c, int imageHeight, int imageWidth) {
        int p = c.patchSize();
        int h = c.sizeRule() == SizeRule.OFFICIAL ? ceilDiv(imageHeight, p) : imageHeight / p;
        int w = c.sizeRule() == SizeRule.OFFICIAL ? ceilDiv(imageWidth, p) : imageWidth / p;
        double total = (double) h * w * c.embedDim() * c.inChans() * p * p;
        if (c.patchNorm()) total += (double) h * w * c.embedDim();
        int patchesH = h, patchesW = w;
        for (int s = 0; s < c.numStages(); s++) {
            int dim = c.stageDim(s), heads = c.numHeads()[s];
            for (int j = 0; j < c.depths()[s]; j++) {
                WindowPlan plan = WindowPlan.of(h, w, c.stageWindow(s), j % 2 == 1, c.sizeRule());
                double tokens = (double) h * w;
                total += 2 * tokens * dim;                                              // norm1, norm2
                total += plan.numWindows() * attentionMacs(plan.windowTokens(), dim, heads);
                total += 2 * tokens * dim * dim * c.mlpRatio();                          // fc1, fc2
            }
            if (s < c.numStages() - 1) {
                total += (double) h * w * dim;                                         // merge norm
                total += (double) (h / 2) * (w / 2) * 4 * dim * 2 * dim;               // reduction
                h = ceilDiv(h, 2);
                w = ceilDiv(w, 2);
            }
        }
        // The official final-norm term: numFeatures · patches / 2^numStages (sic; kept so the totals agree).
        total += (double) c.numFeatures() * ((long) patchesH * patchesW >> c.numStages());
        total += (double) c.numFeatures() * Math.max(c.numClasses(), 0);
        return total;
    }

    /** One window of n tokens: qkv, q·kᵀ, attn·v, proj. */
    private static double attentionMacs(int n, int dim, int heads) {
        int headDim = dim / heads;
        return (double) n * dim * 3 * dim + 2.0 * heads * n * headDim * n + (double) n * dim * dim;
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }
}
