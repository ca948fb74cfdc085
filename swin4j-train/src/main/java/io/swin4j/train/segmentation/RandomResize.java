package io.swin4j.train.segmentation;

import io.swin4j.train.data.SegmentationFolder.Sample;
import io.swin4j.vision.CvResize;

/**
 * mmseg's {@code Resize(img_scale, ratio_range, keep_ratio=True)}: a scale {@code img_scale · ratio} with the ratio
 * uniform in {@code ratioRange}, then mmcv's {@code imrescale}: the largest size with the image's aspect ratio whose
 * long side fits the scale's long side and short side its short side; image bilinear, mask nearest ({@link CvResize}).
 *
 * @param scale      (w, h) as mmseg's {@code img_scale}, e.g. (2048, 512) for ADE20K
 * @param ratioRange (min, max), or null for the fixed scale
 */
public record RandomResize(int[] scale, double[] ratioRange) {

    public RandomResize {
        if (scale == null || scale.length != 2 || scale[0] < 1 || scale[1] < 1) throw new IllegalArgumentException("scale needs two positive sides");
        if (ratioRange != null && (ratioRange.length != 2 || !(0 < ratioRange[0] && ratioRange[0] <= ratioRange[1]))) {
            throw new IllegalArgumentException("ratioRange needs 0 < min <= max");
        }
    }

    /** mmseg's {@code random_sample_ratio}: {@code (int(w · ratio), int(h · ratio))}; the scale itself without a range. */
    public int[] sampleScale(RandomDraws draws) {
        if (ratioRange == null) return scale.clone();
        double ratio = draws.random() * (ratioRange[1] - ratioRange[0]) + ratioRange[0];
        return new int[] {(int) (scale[0] * ratio), (int) (scale[1] * ratio)};
    }

    /** mmcv's {@code rescale_size((w, h), scale)}: the new (w, h). */
    public static int[] rescaleSize(int w, int h, int[] scale) {
        double longEdge = Math.max(scale[0], scale[1]), shortEdge = Math.min(scale[0], scale[1]);
        double factor = Math.min(longEdge / Math.max(h, w), shortEdge / Math.min(h, w));
        return new int[] {(int) (w * factor + 0.5), (int) (h * factor + 0.5)};
    }

    /** Resizes image and mask to {@link #rescaleSize} of {@code scale}. */
    public static Sample apply(Sample s, int[] scale) {
        int w = s.image().width(), h = s.image().height();
        int[] size = rescaleSize(w, h, scale);
        return new Sample(CvResize.bilinear(s.image(), size[0], size[1]), CvResize.nearest(s.mask(), w, h, size[0], size[1]));
    }

    public Sample apply(Sample s, RandomDraws draws) {
        return apply(s, sampleScale(draws));
    }
}
