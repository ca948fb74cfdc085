package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The architecture of a Swin V1 model. Presets carry the official names; every field can be overridden
 * with {@link #toBuilder()}.
 *
 * @param imgSize      the input size the model is configured for (square); any size runs, see {@link SizeRule}
 * @param numClasses   classifier outputs; 0 means no head (the pooled embedding is the output)
 * @param depths       blocks per stage
 * @param numHeads     attention heads per stage
 * @param windowSize   window side M
 * @param dropPathRate stochastic depth rate of the last block; block i gets linspace(0, rate, sum(depths))[i]
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
        SizeRule sizeRule) {

    public static final double LAYER_NORM_EPS = 1e-5;
    /** Fill value of the shifted-window attention mask in every reference implementation. */
    public static final float MASK_FILL = -100f;

    public SwinConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sizeRule, "sizeRule");
        depths = depths.clone();
        numHeads = numHeads.clone();
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
     * relative-position table), as the official code and timm do at construction; torchvision keeps
     * the configured window everywhere.
     */
    public int stageWindow(int i) {
        if (sizeRule == SizeRule.TORCHVISION) return windowSize;
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

    private static void register(String name, int img, int window, int dim, int[] depths, int[] heads,
                                 int classes, double dropPath) {
        PRESETS.put(name, new SwinConfig(name, img, 4, 3, classes, dim, depths, heads, window, 4.0, true,
                false, true, 0.0, 0.0, dropPath, SizeRule.OFFICIAL));
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

        private Builder(SwinConfig c) {
            name = c.name; imgSize = c.imgSize; patchSize = c.patchSize; inChans = c.inChans;
            numClasses = c.numClasses; embedDim = c.embedDim; depths = c.depths; numHeads = c.numHeads;
            windowSize = c.windowSize; mlpRatio = c.mlpRatio; qkvBias = c.qkvBias; ape = c.ape;
            patchNorm = c.patchNorm; dropRate = c.dropRate; attnDropRate = c.attnDropRate;
            dropPathRate = c.dropPathRate; sizeRule = c.sizeRule;
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

        public SwinConfig build() {
            return new SwinConfig(name, imgSize, patchSize, inChans, numClasses, embedDim, depths, numHeads,
                    windowSize, mlpRatio, qkvBias, ape, patchNorm, dropRate, attnDropRate, dropPathRate, sizeRule);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SwinConfig c && name.equals(c.name) && imgSize == c.imgSize && patchSize == c.patchSize
                && inChans == c.inChans && numClasses == c.numClasses && embedDim == c.embedDim
                && Arrays.equals(depths, c.depths) && Arrays.equals(numHeads, c.numHeads)
                && windowSize == c.windowSize && mlpRatio == c.mlpRatio && qkvBias == c.qkvBias && ape == c.ape
                && patchNorm == c.patchNorm && dropRate == c.dropRate && attnDropRate == c.attnDropRate
                && dropPathRate == c.dropPathRate && sizeRule == c.sizeRule;
    }

    /** Equal architecture (same parameter shapes and forward), ignoring name, rates and image size. */
    public boolean sameArchitecture(SwinConfig c) {
        return patchSize == c.patchSize && inChans == c.inChans && numClasses == c.numClasses
                && embedDim == c.embedDim && Arrays.equals(depths, c.depths) && Arrays.equals(numHeads, c.numHeads)
                && windowSize == c.windowSize && mlpRatio == c.mlpRatio && qkvBias == c.qkvBias && ape == c.ape
                && patchNorm == c.patchNorm;
    }

    @Override
    public int hashCode() { return Objects.hash(name, imgSize, embedDim, Arrays.hashCode(depths), windowSize); }

    @Override
    public String toString() {
        return "SwinConfig[name=" + name + ", imgSize=" + imgSize + ", patchSize=" + patchSize + ", inChans=" + inChans
                + ", numClasses=" + numClasses + ", embedDim=" + embedDim + ", depths=" + Arrays.toString(depths)
                + ", numHeads=" + Arrays.toString(numHeads) + ", windowSize=" + windowSize + ", mlpRatio=" + mlpRatio
                + ", qkvBias=" + qkvBias + ", ape=" + ape + ", patchNorm=" + patchNorm + ", dropRate=" + dropRate
                + ", attnDropRate=" + attnDropRate + ", dropPathRate=" + dropPathRate + ", sizeRule=" + sizeRule + "]";
    }
}
