package io.swin4j.weights;

import io.swin4j.model.SwinConfig;

import java.util.Arrays;

/**
 * The range a config read from a file's metadata must lie in before a model is built from it. {@link SwinConfig}
 * itself only checks consistency (positive sizes, heads dividing dims); a hostile card could still ask for a window of
 * 10^9 or a billion blocks, which would fail much later as an exception inside the model, or exhaust memory. The
 * bounds are far above every published Swin (the largest, SwinV2-G: embed 512, depths [2, 2, 42, 4], window 40 at
 * 640 px) and far below what would overflow an int anywhere in the model. The attention variant needs no check here:
 * {@link io.swin4j.model.AttentionVariant}'s constructor already bounds its parameters (α ≤ 10⁴, 1 ≤ ζ ≤ 10, π_init in
 * (0, 1), all finite) and {@link SwinConfig} refuses a variant on Swin-MLP, so a hostile card fails to parse.
 */
final class ConfigBounds {

    static final int MAX_IMG = 8192, MAX_PATCH = 64, MAX_CHANS = 64, MAX_CLASSES = 1_000_000, MAX_EMBED = 8192,
            MAX_STAGES = 8, MAX_DEPTH = 256, MAX_HEADS = 1024, MAX_WINDOW = 256, MAX_STAGE_DIM = 1 << 15;
    static final double MAX_MLP_RATIO = 64;

    private ConfigBounds() {}

    /** What is out of range, or null if nothing. */
    static String check(SwinConfig c) {
        String p = range("imgSize", c.imgSize(), 1, MAX_IMG);
        if (p == null) p = range("patchSize", c.patchSize(), 1, Math.min(MAX_PATCH, c.imgSize()));
        if (p == null) p = range("inChans", c.inChans(), 1, MAX_CHANS);
        if (p == null) p = range("numClasses", c.numClasses(), 0, MAX_CLASSES);
        if (p == null) p = range("embedDim", c.embedDim(), 1, MAX_EMBED);
        if (p == null) p = range("windowSize", c.windowSize(), 1, MAX_WINDOW);
        if (p == null) p = range("number of stages", c.depths().length, 1, MAX_STAGES);
        for (int i = 0; p == null && i < c.depths().length; i++) {
            p = range("depths[" + i + "]", c.depths()[i], 1, MAX_DEPTH);
            if (p == null) p = range("numHeads[" + i + "]", c.numHeads()[i], 1, MAX_HEADS);
            if (p == null) p = range("pretrainedWindowSizes[" + i + "]", c.pretrainedWindowSizes()[i], 0, MAX_WINDOW);
        }
        if (p == null && (long) c.embedDim() << (c.depths().length - 1) > MAX_STAGE_DIM) {
            p = "last stage dim embedDim * 2^" + (c.depths().length - 1) + " = "
                    + ((long) c.embedDim() << (c.depths().length - 1)) + " is out of range [1, " + MAX_STAGE_DIM + "]";
        }
        if (p == null && !(Double.isFinite(c.mlpRatio()) && c.mlpRatio() > 0 && c.mlpRatio() <= MAX_MLP_RATIO)) {
            p = "mlpRatio = " + c.mlpRatio() + " is out of range (0, " + MAX_MLP_RATIO + "]";
        }
        double[] rates = {c.dropRate(), c.attnDropRate(), c.dropPathRate()};
        if (p == null && !Arrays.stream(rates).allMatch(r -> Double.isFinite(r) && r >= 0 && r < 1)) {
            p = "drop rates " + Arrays.toString(rates) + " must be finite and in [0, 1)";
        }
        return p;
    }

    private static String range(String name, long v, long min, long max) {
        return v >= min && v <= max ? null : name + " = " + v + " is out of range [" + min + ", " + max + "]";
    }
}
