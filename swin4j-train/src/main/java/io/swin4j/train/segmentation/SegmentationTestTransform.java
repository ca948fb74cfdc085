package io.swin4j.train.segmentation;

import io.swin4j.train.data.SegmentationFolder.Sample;

/**
 * mmseg's test pipeline for one image: Resize to {@code scale} keeping the aspect ratio (cv2 bilinear, as in
 * training), Normalize with the mean and std of 0–255 pixels; no padding (the model pads itself). The mask is not
 * resized: predictions are scored at the original size.
 *
 * @param scale (w, h) limits of the long and short side (mmseg {@code img_scale}); null: no resize (a model trained
 *              at its data's own size)
 */
public record SegmentationTestTransform(int[] scale, float[] mean, float[] std) {

    /** A normalised image (CHW) of {@code height}×{@code width}. */
    public record Input(float[] image, int height, int width) {}

    public Input apply(Sample s) {
        Sample resized = scale == null ? s : RandomResize.apply(s, scale);
        int w = resized.image().width(), h = resized.image().height();
        return new Input(SegmentationTrainTransform.normalizeAndPad(resized, h, w, mean, std).image(), h, w);
    }
}
