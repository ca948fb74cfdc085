package io.swin4j.model;

/**
 * How {@link SwinSegmenter#predict} runs inference, as mmseg's {@code test_cfg}: the whole image at once, or
 * overlapping crops whose logits are averaged where they overlap ({@code slide_inference}); optionally with
 * horizontal-flip test-time augmentation ({@code aug_test} over the image and its mirror).
 *
 * @param kind         whole or slide
 * @param cropHeight   slide: crop rows ({@code crop_size[0]}); a crop larger than the image is clipped to it
 * @param cropWidth    slide: crop columns
 * @param strideHeight slide: row stride ({@code stride[0]})
 * @param strideWidth  slide: column stride
 * @param flip         also run the horizontally mirrored image and average the two probability maps
 */
public record SegmentationMode(Kind kind, int cropHeight, int cropWidth, int strideHeight, int strideWidth,
                               boolean flip) {

    /** mmseg's {@code test_cfg.mode}. */
    public enum Kind { WHOLE, SLIDE }

    public SegmentationMode {
        java.util.Objects.requireNonNull(kind, "kind");
        if (kind == Kind.SLIDE && (cropHeight <= 0 || cropWidth <= 0 || strideHeight <= 0 || strideWidth <= 0)) {
            throw new IllegalArgumentException("slide inference needs crop and stride > 0, got crop " + cropHeight
                    + "x" + cropWidth + " stride " + strideHeight + "x" + strideWidth);
        }
    }

    /** The whole image in one pass, no flip. */
    public static SegmentationMode whole() {
        return new SegmentationMode(Kind.WHOLE, 0, 0, 0, 0, false);
    }

    /** Square crops of {@code crop} every {@code stride} pixels (mmseg ADE20K: crop 512, stride 341), no flip. */
    public static SegmentationMode slide(int crop, int stride) {
        return slide(crop, crop, stride, stride);
    }

    /** Crops of cropHeight×cropWidth every strideHeight / strideWidth pixels, no flip. */
    public static SegmentationMode slide(int cropHeight, int cropWidth, int strideHeight, int strideWidth) {
        return new SegmentationMode(Kind.SLIDE, cropHeight, cropWidth, strideHeight, strideWidth, false);
    }

    /** This mode with or without horizontal-flip augmentation. */
    public SegmentationMode optFlip(boolean on) {
        return new SegmentationMode(kind, cropHeight, cropWidth, strideHeight, strideWidth, on);
    }
}
