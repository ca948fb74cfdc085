package io.swin4j.train.augment;

import io.swin4j.vision.PillowResize;
import io.swin4j.vision.RgbImage;

import java.util.SplittableRandom;

/**
 * torchvision's / timm's RandomResizedCrop: a box of random area fraction in {@code scale} and log-uniform aspect
 * ratio in {@code ratio} (10 tries, then the centre crop clamped to the ratio range), cropped and resized with
 * Pillow-exact resampling.
 */
public record RandomResizedCrop(int size, double scaleMin, double scaleMax, double ratioMin, double ratioMax,
                                PillowResize.Filter filter) {

    /** The recipe's: scale (0.08, 1), ratio (3/4, 4/3), bicubic. */
    public static RandomResizedCrop official(int size) {
        return new RandomResizedCrop(size, 0.08, 1.0, 3.0 / 4, 4.0 / 3, PillowResize.Filter.BICUBIC);
    }

    public RandomResizedCrop {
        if (size < 1) throw new IllegalArgumentException("crop size must be >= 1, got " + size);
        if (!(0 < scaleMin && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException("need 0 < scale min <= max <= 1, got " + scaleMin + ", " + scaleMax);
        }
        if (!(0 < ratioMin && ratioMin <= ratioMax)) throw new IllegalArgumentException("need 0 < ratio min <= max, got " + ratioMin + ", " + ratioMax);
    }

    /** The crop box {top, left, height, width} as torchvision's {@code get_params}. */
    public int[] box(int width, int height, SplittableRandom rng) {
        double area = (double) width * height;
        double logLo = Math.log(ratioMin), logHi = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * uniform(rng, scaleMin, scaleMax);
            double aspect = Math.exp(uniform(rng, logLo, logHi));
            int w = (int) Math.rint(Math.sqrt(target * aspect)); // int(round(..)): Python rounds half to even
            int h = (int) Math.rint(Math.sqrt(target / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                return new int[] {rng.nextInt(height - h + 1), rng.nextInt(width - w + 1), h, w};
            }
        }
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin); // e.g. round(1 / 0.4) = 2, not 3
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    public RgbImage apply(RgbImage img, SplittableRandom rng) {
        int[] b = box(img.width(), img.height(), rng);
        return PillowResize.resize(crop(img, b[0], b[1], b[2], b[3]), size, size, filter);
    }

    static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo == hi ? lo : lo + (hi - lo) * rng.nextDouble();
    }

    public static RgbImage crop(RgbImage img, int top, int left, int h, int w) {
        if (top == 0 && left == 0 && h == img.height() && w == img.width()) return img;
        byte[] out = new byte[h * w * 3];
        for (int y = 0; y < h; y++) System.arraycopy(img.rgb(), ((top + y) * img.width() + left) * 3, out, y * w * 3, w * 3);
        return new RgbImage(w, h, out);
    }

    public static RgbImage flipHorizontal(RgbImage img) {
        int w = img.width(), h = img.height();
        byte[] in = img.rgb(), out = new byte[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) System.arraycopy(in, (y * w + x) * 3, out, (y * w + w - 1 - x) * 3, 3);
        }
        return new RgbImage(w, h, out);
    }
}
