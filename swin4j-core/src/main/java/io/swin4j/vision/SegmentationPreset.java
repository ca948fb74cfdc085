package io.swin4j.vision;

import java.util.Arrays;

/**
 * The input transform of a segmentation model, mmseg's test pipeline: {@code Resize(img_scale, keep_ratio=True)}
 * (mmcv's {@code rescale_size}: the largest scale at which the long side fits {@code scale[0]} and the short side
 * {@code scale[1]}, sizes rounded half up) then {@code Normalize} with mean and std on the 0..255 scale as mmcv's
 * {@code imnormalize} computes it ({@code (v − mean) · (1/std)}: the difference in fp32, the product in double); no crop, so every image keeps its aspect and
 * the model's logits are resized back to the image (the segment task does that).
 *
 * <p>The resize is OpenCV's {@code INTER_LINEAR} as mmcv's {@code imresize} calls it ({@link CvResize}, equal to cv2
 * bit for bit), the one training's augmentation uses: a model sees at test time the pixels mmseg would give it.
 *
 * @param scale {long edge, short edge} to fit, or null: keep the image's size (a model trained at its data's size)
 * @param mean  per RGB channel, 0..255
 * @param std   per RGB channel, 0..255
 */
public record SegmentationPreset(String name, int[] scale, double[] mean, double[] std) {

    /** ImageNet's mean and std on the 0..255 scale, mmseg's {@code img_norm_cfg}. */
    public static final double[] MEAN_255 = {123.675, 116.28, 103.53}, STD_255 = {58.395, 57.12, 57.375};

    public SegmentationPreset {
        if (scale != null && (scale.length != 2 || scale[0] < 1 || scale[1] < 1)) {
            throw new IllegalArgumentException("scale must be {long edge, short edge} >= 1, got " + Arrays.toString(scale));
        }
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values");
        scale = scale == null ? null : new int[] {Math.max(scale[0], scale[1]), Math.min(scale[0], scale[1])};
    }

    /** mmseg's ADE20K/Cityscapes test pipeline at {@code img_scale} (e.g. 2048, 512). */
    public static SegmentationPreset mmseg(int longEdge, int shortEdge) {
        return new SegmentationPreset("mmseg_" + longEdge + "x" + shortEdge, new int[] {longEdge, shortEdge}, MEAN_255, STD_255);
    }

    /** No resize, ImageNet normalisation: for a model trained at its data's own size. */
    public static SegmentationPreset nativeSize() {
        return new SegmentationPreset("native", null, MEAN_255, STD_255);
    }

    /** {width, height} the image is resized to (mmcv {@code rescale_size}); the image's own without a scale. */
    public int[] targetSize(int width, int height) {
        if (scale == null) return new int[] {width, height};
        double factor = Math.min((double) scale[0] / Math.max(width, height), (double) scale[1] / Math.min(width, height));
        return new int[] {(int) (width * factor + 0.5), (int) (height * factor + 0.5)};
    }

    /** The resized image (cv2 bilinear, {@link CvResize}), refused above {@code limits.maxResizePixels()}. */
    public RgbImage resized(RgbImage img, ImageLimits limits) {
        int[] size = targetSize(img.width(), img.height());
        if (size[0] == img.width() && size[1] == img.height()) return img;
        if ((long) size[0] * size[1] > limits.maxResizePixels()) {
            throw new IllegalArgumentException("image of " + img.width() + "x" + img.height() + ": rescaling it to fit "
                    + scale[0] + "x" + scale[1] + " gives " + size[0] + "x" + size[1] + " pixels, over the limit of "
                    + limits.maxResizePixels() + " (max resize pixels)");
        }
        if (size[0] < 1 || size[1] < 1) {
            throw new IllegalArgumentException("image of " + img.width() + "x" + img.height() + " rescales to "
                    + size[0] + "x" + size[1] + ": too thin");
        }
        return CvResize.bilinear(img, size[0], size[1]);
    }

    /** mmcv {@code imnormalize} bit for bit: {@code float(double(v − float(mean)) · (1/std))} per channel, as CHW. */
    public float[] normalize(RgbImage img) {
        int n = img.width() * img.height();
        float[] out = new float[3 * n];
        byte[] rgb = img.rgb();
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            double inv = 1.0 / std[c];
            // OpenCV: subtract converts the scalar to the image's fp32; multiply computes in double, then rounds
            for (int i = 0; i < n; i++) out[c * n + i] = (float) ((double) ((rgb[i * 3 + c] & 0xff) - m) * inv);
        }
        return out;
    }

    /** An image ready for the model: fp32 CHW of {@code height}×{@code width}. */
    public record Input(float[] chw, int width, int height) {}

    /** Resize and normalise. */
    public Input apply(RgbImage img, ImageLimits limits) {
        RgbImage r = resized(img, limits);
        return new Input(normalize(r), r.width(), r.height());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SegmentationPreset p && name.equals(p.name) && Arrays.equals(scale, p.scale)
                && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + (scale == null ? " (native size)" : " (fit " + scale[0] + "x" + scale[1] + ", cv2 bilinear)");
    }
}
