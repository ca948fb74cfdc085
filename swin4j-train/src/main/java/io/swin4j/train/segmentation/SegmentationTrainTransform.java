package io.swin4j.train.segmentation;

import io.swin4j.train.data.SegmentationFolder;
import io.swin4j.train.data.SegmentationFolder.Sample;

/**
 * The training pipeline of mmseg's ADE20K recipe for one sample: {@link RandomResize}, {@link RandomCrop} (with
 * {@code cat_max_ratio}), horizontal flip, {@link PhotoMetricDistortion}, normalisation with the mean and std of 0–255
 * pixels (mmcv {@code imnormalize}, float32), and padding to the crop size (image 0, mask {@link
 * SegmentationFolder#IGNORE}). Output: the CHW floats of a crop-sized image and its mask.
 *
 * @param flipProbability chance of a horizontal flip (mmseg {@code RandomFlip(prob=0.5)})
 * @param photometric     null for none
 * @param mean            per-channel mean of 0–255 RGB (mmseg: 123.675, 116.28, 103.53)
 * @param std             per-channel std of 0–255 RGB (mmseg: 58.395, 57.12, 57.375)
 */
public record SegmentationTrainTransform(RandomResize resize, RandomCrop crop, double flipProbability,
                                         PhotoMetricDistortion photometric, float[] mean, float[] std) {

    /** A transformed sample: {@code image} 3·H·W floats (CHW), {@code mask} H·W class indices (255 ignored). */
    public record Output(float[] image, byte[] mask) {}

    public Output apply(Sample sample, RandomDraws draws) {
        Sample s = resize.apply(sample, draws);
        s = crop.apply(s, draws);
        if (draws.random() < flipProbability) s = RandomCrop.flip(s);
        if (photometric != null) s = new Sample(photometric.apply(s.image(), draws), s.mask());
        return normalizeAndPad(s, crop.height(), crop.width(), mean, std);
    }

    /**
     * mmcv {@code imnormalize} ({@code float32(v) − float32(mean)}, times {@code 1 / double(std)} rounded once to float32)
     * then mmseg {@code Pad} to
     * {@code height}×{@code width} at the bottom and right: image 0, mask 255.
     */
    public static Output normalizeAndPad(Sample s, int height, int width, float[] mean, float[] std) {
        int w = s.image().width(), h = s.image().height();
        if (w > width || h > height) throw new IllegalArgumentException(w + "x" + h + " is larger than " + width + "x" + height);
        float[] out = new float[3 * height * width];
        byte[] mask = new byte[height * width];
        java.util.Arrays.fill(mask, (byte) SegmentationFolder.IGNORE);
        byte[] rgb = s.image().rgb();
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            double inv = 1.0 / (double) std[c];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    // cv2.subtract converts the scalar to the image's float32; cv2.multiply by the double scalar rounds once
                    out[(c * height + y) * width + x] = (float) ((double) ((rgb[(y * w + x) * 3 + c] & 0xff) - m) * inv);
                }
            }
        }
        for (int y = 0; y < h; y++) System.arraycopy(s.mask(), y * w, mask, y * width, w);
        return new Output(out, mask);
    }
}
