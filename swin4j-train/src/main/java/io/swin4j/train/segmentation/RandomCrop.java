package io.swin4j.train.segmentation;

import io.swin4j.train.data.SegmentationFolder.Sample;
import io.swin4j.vision.RgbImage;

/**
 * mmseg's {@code RandomCrop(crop_size, cat_max_ratio)}: a uniform box of the crop size (smaller where the image is);
 * with {@code catMaxRatio < 1} up to ten new boxes are drawn while the box holds fewer than two classes or one class
 * covers at least that share of its labelled (non-ignored) pixels, and the last box drawn is kept either way.
 */
public record RandomCrop(int height, int width, double catMaxRatio, int ignoreIndex) {

    public RandomCrop {
        if (height < 1 || width < 1) throw new IllegalArgumentException("crop size must be positive");
    }

    /** {y, x, h, w} of the box in an image of {@code w}×{@code h} with {@code mask}. */
    public int[] box(byte[] mask, int imageWidth, int imageHeight, RandomDraws draws) {
        int[] box = draw(imageWidth, imageHeight, draws);
        if (catMaxRatio < 1) {
            for (int attempt = 0; attempt < 10; attempt++) {
                if (balanced(mask, imageWidth, box)) break;
                box = draw(imageWidth, imageHeight, draws);
            }
        }
        return box;
    }

    private int[] draw(int w, int h, RandomDraws draws) {
        int marginH = Math.max(h - height, 0), marginW = Math.max(w - width, 0);
        int y = draws.randint(0, marginH + 1), x = draws.randint(0, marginW + 1);
        return new int[] {y, x, Math.min(height, h - y), Math.min(width, w - x)};
    }

    private boolean balanced(byte[] mask, int w, int[] box) {
        int[] count = new int[256];
        for (int y = box[0]; y < box[0] + box[2]; y++) {
            for (int x = box[1]; x < box[1] + box[3]; x++) count[mask[y * w + x] & 0xff]++;
        }
        long sum = 0, max = 0;
        int classes = 0;
        for (int v = 0; v < 256; v++) {
            if (v == ignoreIndex || count[v] == 0) continue;
            classes++;
            sum += count[v];
            max = Math.max(max, count[v]);
        }
        return classes > 1 && (double) max / sum < catMaxRatio;
    }

    public Sample apply(Sample s, RandomDraws draws) {
        return crop(s, box(s.mask(), s.image().width(), s.image().height(), draws));
    }

    /** The {y, x, h, w} box of image and mask. */
    public static Sample crop(Sample s, int[] box) {
        int w = s.image().width(), y0 = box[0], x0 = box[1], h = box[2], cw = box[3];
        byte[] rgb = new byte[h * cw * 3], mask = new byte[h * cw];
        for (int y = 0; y < h; y++) {
            System.arraycopy(s.image().rgb(), ((y0 + y) * w + x0) * 3, rgb, y * cw * 3, cw * 3);
            System.arraycopy(s.mask(), (y0 + y) * w + x0, mask, y * cw, cw);
        }
        return new Sample(new RgbImage(cw, h, rgb), mask);
    }

    /** Mirror image and mask left-right (mmcv {@code imflip}, horizontal). */
    public static Sample flip(Sample s) {
        int w = s.image().width(), h = s.image().height();
        byte[] in = s.image().rgb(), rgb = new byte[in.length], mask = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int src = y * w + x, dst = y * w + (w - 1 - x);
                System.arraycopy(in, src * 3, rgb, dst * 3, 3);
                mask[dst] = s.mask()[src];
            }
        }
        return new Sample(new RgbImage(w, h, rgb), mask);
    }
}
