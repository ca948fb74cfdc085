package io.swin4j.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * UPerNet + FCN auxiliary head on a Swin backbone: mmseg's {@code upernet_swin} config (official
 * Swin-Transformer-Semantic-Segmentation, {@code configs/_base_/models/upernet_swin.py}).
 *
 * <p>The backbone is any family's config; its {@code numClasses} is ignored (a dense-prediction backbone has no head)
 * and {@code ape} must be off. For mmseg/mmdet weights its size rule should be
 * {@link io.swin4j.geometry.SizeRule#PADDED} (what the official segmentation code does).
 *
 * @param backbone      the Swin backbone; every stage is an output ({@code out_indices} 0..n−1)
 * @param numClasses    classes of both heads
 * @param channels      UPerHead width ({@code channels}, 512 in mmseg)
 * @param poolScales    the pooling pyramid's output sizes (1, 2, 3, 6)
 * @param alignCorners  {@code align_corners} of every bilinear resize (false)
 * @param dropout       {@code Dropout2d} before each {@code conv_seg}, training only (0.1)
 * @param auxChannels   FCN auxiliary head width (256); 0: no auxiliary head
 * @param auxInIndex    the backbone stage the auxiliary head reads (2)
 * @param auxLossWeight the auxiliary loss weight (0.4)
 */
public record SegmentationConfig(SwinConfig backbone, int numClasses, int channels, int[] poolScales,
                                 boolean alignCorners, double dropout, int auxChannels, int auxInIndex,
                                 double auxLossWeight) {

    public SegmentationConfig {
        Objects.requireNonNull(backbone, "backbone");
        Objects.requireNonNull(poolScales, "poolScales");
        poolScales = poolScales.clone();
        require(numClasses > 0, "numClasses must be > 0, got " + numClasses);
        require(channels > 0, "channels must be > 0, got " + channels);
        require(poolScales.length > 0 && Arrays.stream(poolScales).allMatch(s -> s > 0),
                "pool scales must be non-empty and > 0, got " + Arrays.toString(poolScales));
        require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
        require(auxChannels >= 0, "auxChannels must be >= 0, got " + auxChannels);
        require(auxChannels == 0 || auxInIndex >= 0 && auxInIndex < backbone.numStages(),
                "auxInIndex " + auxInIndex + " is not a stage of the backbone (" + backbone.numStages() + " stages)");
        require(auxLossWeight >= 0, "auxLossWeight must be >= 0, got " + auxLossWeight);
        require(!backbone.ape(), "a segmentation backbone with an absolute position embedding is not supported");
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /**
     * mmseg's defaults: channels 512, pool scales 1,2,3,6, align_corners false, dropout 0.1, an auxiliary FCN head of
     * 256 channels on stage 2 with loss weight 0.4.
     */
    public static SegmentationConfig upernet(SwinConfig backbone, int numClasses) {
        return new SegmentationConfig(backbone, numClasses, 512, new int[] {1, 2, 3, 6}, false, 0.1, 256, 2, 0.4);
    }

    @Override public int[] poolScales() { return poolScales.clone(); }

    /** Whether there is an auxiliary FCN head (auxChannels &gt; 0). */
    public boolean hasAuxiliary() { return auxChannels > 0; }

    /** Channels of each backbone stage output, the decode head's {@code in_channels}. */
    public int[] inChannels() {
        int[] c = new int[backbone.numStages()];
        for (int i = 0; i < c.length; i++) c[i] = backbone.stageDim(i);
        return c;
    }

    /** A copy with another backbone (e.g. another size rule or drop-path rate). */
    public SegmentationConfig withBackbone(SwinConfig b) {
        return new SegmentationConfig(b, numClasses, channels, poolScales, alignCorners, dropout, auxChannels,
                auxInIndex, auxLossWeight);
    }

    /** A copy with another dropout before conv_seg. */
    public SegmentationConfig withDropout(double d) {
        return new SegmentationConfig(backbone, numClasses, channels, poolScales, alignCorners, d, auxChannels,
                auxInIndex, auxLossWeight);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentationConfig c && backbone.equals(c.backbone) && numClasses == c.numClasses
                && channels == c.channels && Arrays.equals(poolScales, c.poolScales) && alignCorners == c.alignCorners
                && Double.compare(dropout, c.dropout) == 0 && auxChannels == c.auxChannels
                && auxInIndex == c.auxInIndex && Double.compare(auxLossWeight, c.auxLossWeight) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(backbone, numClasses, channels, Arrays.hashCode(poolScales), alignCorners, dropout,
                auxChannels, auxInIndex, auxLossWeight);
    }

    @Override
    public String toString() {
        return "SegmentationConfig[backbone=" + backbone.name() + ", numClasses=" + numClasses + ", channels="
                + channels + ", poolScales=" + Arrays.toString(poolScales) + ", alignCorners=" + alignCorners
                + ", dropout=" + dropout + ", auxChannels=" + auxChannels + ", auxInIndex=" + auxInIndex
                + ", auxLossWeight=" + auxLossWeight + "]";
    }
}
