package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The architecture of a Swin model of any family (V1, V2, Swin-MLP). Presets carry the official names; every field
 * can be overridden with {@link #toBuilder()}.
 *
 * @param imgSize      the input size the model is configured for (square); any size runs, see {@link SizeRule}
 * @param numClasses   classifier outputs; 0 means no head (the pooled embedding is the output)
 * @param depths       blocks per stage
 * @param numHeads     attention heads per stage
 * @param windowSize   window side M
 * @param dropPathRate stochastic depth rate of the last block; block i gets linspace(0, rate, sum(depths))[i]
 * @param numHeads     for Swin-MLP, the groups of the spatial MLP (channels per head = stage dim / heads)
 * @param family       which parts the blocks are made of (null reads as V1, for configs saved before families)
 * @param pretrainedWindowSizes V2 only: per stage, the window the continuous position bias was trained at (0: this
 *                     stage's own window), as the official {@code PRETRAINED_WINDOW_SIZES}; null reads as all 0
 * @param attention    how attention mixes values (softmax, clipped softmax, gated heads: {@link AttentionVariant});
 *                     null reads as vanilla (configs saved before variants); V1 and V2 only
 */
public record SwinConfig(
        String name,
        int imgSize,
        int patchSize,
        int inChans,
        int numClasses,
        int embedDim,
        int[] depths,
        int[] numHeads,
        int windowSize,
        double mlpRatio,
        boolean qkvBias,
        boolean ape,
        boolean patchNorm,
        double dropRate,
        double attnDropRate,
        double dropPathRate,
        SizeRule sizeRule,
        Family family,
        int[] pretrainedWindowSizes,
        AttentionVariant attention) {

    /** The Swin families: each chooses the parts of its blocks (see {@code BlockParts}). */
    public enum Family {
        /** Liu et al. 2021: window attention with a relative position bias table, pre-norm. */
        V1,
        /** Liu et al. 2022: scaled cosine attention, continuous (log-spaced MLP) position bias, res-post-norm. */
        V2,
        /** The official Swin-MLP: a grouped spatial MLP over each window's tokens instead of attention. */
        MLP
    }

    public static final double LAYER_NORM_EPS = 1e-5;
    /** Fill value of the shifted-window attention mask in every reference implementation. */
    public static final float MASK_FILL = -100f;

    public SwinConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sizeRule, "sizeRule");
        depths = depths.clone();
        numHeads = numHeads.clone();
        if (family == null) family = Family.V1;
        if (attention == null) attention = AttentionVariant.VANILLA;
        require(family != Family.MLP || attention.kind() == AttentionVariant.Kind.VANILLA,
                "attention variant " + attention + " needs attention; the Swin-MLP family has none (use V1 or V2)");
        pretrainedWindowSizes = pretrainedWindowSizes == null ? new int[depths.length] : pretrainedWindowSizes.clone();
        if (pretrainedWindowSizes.length != depths.length) {
            throw new IllegalArgumentException("pretrainedWindowSizes " + Arrays.toString(pretrainedWindowSizes)
                    + " must have one entry per stage (" + depths.length + ")");
        }
        for (int w : pretrainedWindowSizes) {
            require(w >= 0 && w != 1, "pretrained window sizes must be 0 (none) or > 1, got " + Arrays.toString(pretrainedWindowSizes));
            require(w == 0 || family == Family.V2, "pretrained window sizes are a V2 setting");
        }
        if (depths.length == 0 || depths.length != numHeads.length) {
            throw new IllegalArgumentException("depths " + Arrays.toString(depths) + " and numHeads "
                    + Arrays.toString(numHeads) + " must be non-empty and of equal length");
        }
        require(imgSize > 0, "imgSize must be > 0, got " + imgSize);
        require(patchSize > 0, "patchSize must be > 0, got " + patchSize);
        require(inChans > 0, "inChans must be > 0, got " + inChans);
        require(numClasses >= 0, "numClasses must be >= 0, got " + numClasses);
        require(embedDim > 0, "embedDim must be > 0, got " + embedDim);
        require(windowSize > 0, "windowSize must be > 0, got " + windowSize);
        require(mlpRatio > 0, "mlpRatio must be > 0, got " + mlpRatio);
        for (int i = 0; i < depths.length; i++) {
            require(depths[i] > 0, "depths[" + i + "] must be > 0");
            require(numHeads[i] > 0 && stageDim(embedDim, i) % numHeads[i] == 0,
                    "stage " + i + " dim " + stageDim(embedDim, i) + " is not divisible by numHeads[" + i + "]="
                            + numHeads[i]);
        }
        require(dropRate >= 0 && dropRate < 1 && attnDropRate >= 0 && attnDropRate < 1
                && dropPathRate >= 0 && dropPathRate < 1, "drop rates must be in [0, 1)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    private static int stageDim(int embedDim, int stage) { return embedDim << stage; }

    @Override public int[] depths() { return depths.clone(); }

    @Override public int[] numHeads() { return numHeads.clone(); }

    @Override public int[] pretrainedWindowSizes() { return pretrainedWindowSizes.clone(); }

    /** V2: the pretrained window of stage {@code i} (0: none, the continuous bias is normalised by this window). */
    public int pretrainedWindow(int i) { return pretrainedWindowSizes[i]; }

    public int numStages() { return depths.length; }

    /** Channels of stage {@code i}: embedDim·2^i. */
    public int stageDim(int i) { return stageDim(embedDim, i); }

    /** Channels of the pooled embedding (the last stage). */
    public int numFeatures() { return stageDim(numStages() - 1); }

    /** Side of stage {@code i}'s feature map at {@link #imgSize()}: (imgSize / patch) / 2^i, as the official code. */
    public int stageResolution(int i) {
        return (imgSize / patchSize) >> i;
    }

    /**
     * The window stage {@code i} is built with. Under {@link SizeRule#OFFICIAL} a stage whose map at
     * {@link #imgSize()} is no larger than the window gets a window of the map's size (and so a smaller
     * relative-position table), as the official code and timm do at construction; torchvision and
     * {@link SizeRule#PADDED} keep the configured window everywhere.
     */
    public int stageWindow(int i) {
        if (sizeRule != SizeRule.OFFICIAL) return windowSize;
        int r = stageResolution(i);
        return r > 0 && r <= windowSize ? r : windowSize;
    }

    public int mlpHidden(int stage) { return (int) (stageDim(stage) * mlpRatio); }

    public int totalBlocks() { return Arrays.stream(depths).sum(); }

    /** Stochastic-depth rate of each block in order, torch.linspace(0, rate, n) as the official code. */
    public double[] dropPathRates() {
        int n = totalBlocks();
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = n == 1 ? 0 : dropPathRate * i / (n - 1);
        return r;
    }

    // ---------------------------------------------------------------- presets

    private static final Map<String, SwinConfig> PRESETS = new LinkedHashMap<>();

    static {
        for (int classes : new int[] {1000, 21841}) {
            String suffix = classes == 1000 ? "" : "_in22k";
            // drop-path: official 1K configs for T/S/B; 22K-pretrain rates for 22K and for L (no 1K config).
            register("swin_tiny_patch4_window7_224" + suffix, 224, 7, 96, new int[] {2, 2, 6, 2},
                    new int[] {3, 6, 12, 24}, classes, classes == 1000 ? 0.2 : 0.1);
            register("swin_small_patch4_window7_224" + suffix, 224, 7, 96, new int[] {2, 2, 18, 2},
                    new int[] {3, 6, 12, 24}, classes, classes == 1000 ? 0.3 : 0.2);
            register("swin_base_patch4_window7_224" + suffix, 224, 7, 128, new int[] {2, 2, 18, 2},
                    new int[] {4, 8, 16, 32}, classes, classes == 1000 ? 0.5 : 0.2);
            register("swin_base_patch4_window12_384" + suffix, 384, 12, 128, new int[] {2, 2, 18, 2},
                    new int[] {4, 8, 16, 32}, classes, classes == 1000 ? 0.5 : 0.2);
            register("swin_large_patch4_window7_224" + suffix, 224, 7, 192, new int[] {2, 2, 18, 2},
                    new int[] {6, 12, 24, 48}, classes, 0.2);
            register("swin_large_patch4_window12_384" + suffix, 384, 12, 192, new int[] {2, 2, 18, 2},
                    new int[] {6, 12, 24, 48}, classes, 0.2);
        }
    }

    static {
        int[] t = {2, 2, 6, 2}, deep = {2, 2, 18, 2};
        int[] h96 = {3, 6, 12, 24}, h128 = {4, 8, 16, 32}, h192 = {6, 12, 24, 48};
        int[] ft = {12, 12, 12, 6};
        for (int window : new int[] {8, 16}) {
            String w = "_patch4_window" + window + "_256";
            v2("swinv2_tiny" + w, 256, window, 96, t, h96, 1000, 0.2, null, SizeRule.OFFICIAL);
            v2("swinv2_small" + w, 256, window, 96, deep, h96, 1000, 0.3, null, SizeRule.OFFICIAL);
            v2("swinv2_base" + w, 256, window, 128, deep, h128, 1000, 0.5, null, SizeRule.OFFICIAL);
        }
        v2("swinv2_base_patch4_window12_192_22k", 192, 12, 128, deep, h128, 21841, 0.2, null, SizeRule.OFFICIAL);
        v2("swinv2_large_patch4_window12_192_22k", 192, 12, 192, deep, h192, 21841, 0.2, null, SizeRule.OFFICIAL);
        for (String size : new String[] {"base", "large"}) {
            int dim = size.equals("base") ? 128 : 192;
            int[] heads = size.equals("base") ? h128 : h192;
            v2("swinv2_" + size + "_patch4_window12to16_192to256_22kto1k_ft", 256, 16, dim, deep, heads, 1000, 0.2, ft,
                    SizeRule.OFFICIAL);
            v2("swinv2_" + size + "_patch4_window12to24_192to384_22kto1k_ft", 384, 24, dim, deep, heads, 1000, 0.2, ft,
                    SizeRule.OFFICIAL);
        }
        // torchvision's swin_v2_t/s/b: window 8 at 256, its own size rule; stochastic depth 0.2/0.3/0.5.
        v2("swin_v2_t", 256, 8, 96, t, h96, 1000, 0.2, null, SizeRule.TORCHVISION);
        v2("swin_v2_s", 256, 8, 96, deep, h96, 1000, 0.3, null, SizeRule.TORCHVISION);
        v2("swin_v2_b", 256, 8, 128, deep, h128, 1000, 0.5, null, SizeRule.TORCHVISION);
        // Swin-MLP: "cN" is N channels per head (group) of the spatial MLP.
        mlp("swin_mlp_tiny_c24_patch4_window8_256", 256, 8, 96, t, h128, 0.2);
        mlp("swin_mlp_tiny_c12_patch4_window8_256", 256, 8, 96, t, new int[] {8, 16, 32, 64}, 0.2);
        mlp("swin_mlp_tiny_c6_patch4_window8_256", 256, 8, 96, t, new int[] {16, 32, 64, 128}, 0.2);
        mlp("swin_mlp_base_patch4_window7_224", 224, 7, 128, deep, h128, 0.5);
    }

    private static void register(String name, int img, int window, int dim, int[] depths, int[] heads,
                                 int classes, double dropPath) {
        PRESETS.put(name, new SwinConfig(name, img, 4, 3, classes, dim, depths, heads, window, 4.0, true,
                false, true, 0.0, 0.0, dropPath, SizeRule.OFFICIAL, Family.V1, null, null));
    }

    private static void v2(String name, int img, int window, int dim, int[] depths, int[] heads, int classes,
                           double dropPath, int[] pretrainedWindows, SizeRule rule) {
        PRESETS.put(name, new SwinConfig(name, img, 4, 3, classes, dim, depths, heads, window, 4.0, true,
                false, true, 0.0, 0.0, dropPath, rule, Family.V2, pretrainedWindows, null));
    }

    private static void mlp(String name, int img, int window, int dim, int[] depths, int[] heads, double dropPath) {
        PRESETS.put(name, new SwinConfig(name, img, 4, 3, 1000, dim, depths, heads, window, 4.0, true,
                false, true, 0.0, 0.0, dropPath, SizeRule.OFFICIAL, Family.MLP, null, null));
    }

    /** The names of all presets, in registration order. */
    public static Set<String> presetNames() { return Collections.unmodifiableSet(PRESETS.keySet()); }

    /** A named preset, e.g. {@code swin_tiny_patch4_window7_224} or {@code swin_base_patch4_window12_384_in22k}. */
    public static SwinConfig preset(String name) {
        SwinConfig c = PRESETS.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown Swin preset '" + name + "'; known: " + PRESETS.keySet());
        }
        return c;
    }

    public Builder toBuilder() { return new Builder(this); }

    /** A builder starting from {@code swin_tiny_patch4_window7_224} (drop-path 0.2 included), named "custom". */
    public static Builder builder() { return new Builder(preset("swin_tiny_patch4_window7_224")).optName("custom"); }

    /** Builder whose {@code opt*} methods override single fields of a starting config. */
    public static final class Builder {
        private String name;
        private int imgSize, patchSize, inChans, numClasses, embedDim, windowSize;
        private int[] depths, numHeads;
        private double mlpRatio, dropRate, attnDropRate, dropPathRate;
        private boolean qkvBias, ape, patchNorm;
        private SizeRule sizeRule;
        private Family family;
        private int[] pretrainedWindowSizes;
        private AttentionVariant attention;

        private Builder(SwinConfig c) {
            name = c.name; imgSize = c.imgSize; patchSize = c.patchSize; inChans = c.inChans;
            numClasses = c.numClasses; embedDim = c.embedDim; depths = c.depths; numHeads = c.numHeads;
            windowSize = c.windowSize; mlpRatio = c.mlpRatio; qkvBias = c.qkvBias; ape = c.ape;
            patchNorm = c.patchNorm; dropRate = c.dropRate; attnDropRate = c.attnDropRate;
            dropPathRate = c.dropPathRate; sizeRule = c.sizeRule; family = c.family;
            pretrainedWindowSizes = c.pretrainedWindowSizes;
            attention = c.attention;
        }

        public Builder optName(String v) { name = v; return this; }
        public Builder optImgSize(int v) { imgSize = v; return this; }
        public Builder optPatchSize(int v) { patchSize = v; return this; }
        public Builder optInChans(int v) { inChans = v; return this; }
        public Builder optNumClasses(int v) { numClasses = v; return this; }
        public Builder optEmbedDim(int v) { embedDim = v; return this; }
        public Builder optDepths(int... v) { depths = v.clone(); return this; }
        public Builder optNumHeads(int... v) { numHeads = v.clone(); return this; }
        public Builder optWindowSize(int v) { windowSize = v; return this; }
        public Builder optMlpRatio(double v) { mlpRatio = v; return this; }
        public Builder optQkvBias(boolean v) { qkvBias = v; return this; }
        public Builder optApe(boolean v) { ape = v; return this; }
        public Builder optPatchNorm(boolean v) { patchNorm = v; return this; }
        public Builder optDropRate(double v) { dropRate = v; return this; }
        public Builder optAttnDropRate(double v) { attnDropRate = v; return this; }
        public Builder optDropPathRate(double v) { dropPathRate = v; return this; }
        public Builder optSizeRule(SizeRule v) { sizeRule = v; return this; }
        public Builder optFamily(Family v) { family = v; return this; }
        /** V2: per stage; null or all 0 for none. Reset to none when the stage count changes. */
        public Builder optPretrainedWindowSizes(int... v) { pretrainedWindowSizes = v == null ? null : v.clone(); return this; }

        /** Vanilla, clipped or gated attention (null: vanilla). */
        public Builder optAttention(AttentionVariant v) { attention = v; return this; }

        public SwinConfig build() {
            int[] pretrained = pretrainedWindowSizes != null && pretrainedWindowSizes.length == depths.length
                    ? pretrainedWindowSizes : null;
            return new SwinConfig(name, imgSize, patchSize, inChans, numClasses, embedDim, depths, numHeads,
                    windowSize, mlpRatio, qkvBias, ape, patchNorm, dropRate, attnDropRate, dropPathRate, sizeRule,
                    family, pretrained, attention);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SwinConfig c && name.equals(c.name) && imgSize == c.imgSize && patchSize == c.patchSize
                && inChans == c.inChans && numClasses == c.numClasses && embedDim == c.embedDim
                && Arrays.equals(depths, c.depths) && Arrays.equals(numHeads, c.numHeads)
                && windowSize == c.windowSize && mlpRatio == c.mlpRatio && qkvBias == c.qkvBias && ape == c.ape
                && patchNorm == c.patchNorm && dropRate == c.dropRate && attnDropRate == c.attnDropRate
                && dropPathRate == c.dropPathRate && sizeRule == c.sizeRule && family == c.family
                && Arrays.equals(pretrainedWindowSizes, c.pretrainedWindowSizes) && attention.equals(c.attention);
    }

    /**
     * Equal architecture (same parameter shapes), ignoring name, rates, image size and the clipping of the softmax
     * (it adds no parameters); gated attention adds the gates, so gated and not gated differ.
     */
    public boolean sameArchitecture(SwinConfig c) {
        return patchSize == c.patchSize && inChans == c.inChans && numClasses == c.numClasses
                && embedDim == c.embedDim && Arrays.equals(depths, c.depths) && Arrays.equals(numHeads, c.numHeads)
                && windowSize == c.windowSize && mlpRatio == c.mlpRatio && qkvBias == c.qkvBias && ape == c.ape
                && patchNorm == c.patchNorm && family == c.family
                && Arrays.equals(pretrainedWindowSizes, c.pretrainedWindowSizes)
                && attention.hasGate() == c.attention.hasGate();
    }

    @Override
    public int hashCode() { return Objects.hash(name, imgSize, embedDim, Arrays.hashCode(depths), windowSize); }

    @Override
    public String toString() {
        return "SwinConfig[name=" + name + ", imgSize=" + imgSize + ", patchSize=" + patchSize + ", inChans=" + inChans
                + ", numClasses=" + numClasses + ", embedDim=" + embedDim + ", depths=" + Arrays.toString(depths)
                + ", numHeads=" + Arrays.toString(numHeads) + ", windowSize=" + windowSize + ", mlpRatio=" + mlpRatio
                + ", qkvBias=" + qkvBias + ", ape=" + ape + ", patchNorm=" + patchNorm + ", dropRate=" + dropRate
                + ", attnDropRate=" + attnDropRate + ", dropPathRate=" + dropPathRate + ", sizeRule=" + sizeRule + ", family=" + family
                + ", pretrainedWindowSizes=" + Arrays.toString(pretrainedWindowSizes) + ", attention=" + attention + "]";
    }
}
