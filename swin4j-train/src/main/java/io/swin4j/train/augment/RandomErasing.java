package io.swin4j.train.augment;

import java.util.SplittableRandom;

/**
 * timm's RandomErasing in 'pixel' mode with one box (the recipe's {@code REPROB 0.25, REMODE pixel, RECOUNT 1}):
 * with probability {@code p}, a box of area fraction U(0.02, 1/3) and log-uniform aspect in (0.3, 1/0.3) is
 * filled with standard-normal noise, on the normalised image.
 */
public record RandomErasing(double probability) {

    private static final double MIN_AREA = 0.02, MAX_AREA = 1.0 / 3, LOG_RATIO = Math.log(0.3);

    public RandomErasing {
        if (!(probability >= 0 && probability <= 1)) throw new IllegalArgumentException("erasing probability must be in [0, 1], got " + probability);
    }

    /** Erases in place on CHW {@code image}; returns the box {top, left, h, w} or null. */
    public int[] apply(float[] image, int channels, int height, int width, SplittableRandom rng) {
        if (probability == 0 || rng.nextDouble() > probability) return null;
        double area = (double) height * width;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = RandomResizedCrop.uniform(rng, MIN_AREA, MAX_AREA) * area;
            double aspect = Math.exp(RandomResizedCrop.uniform(rng, LOG_RATIO, -LOG_RATIO));
            int h = (int) Math.rint(Math.sqrt(target * aspect)); // timm: int(round(..)), half to even
            int w = (int) Math.rint(Math.sqrt(target / aspect));
            if (w < width && h < height) {
                int top = rng.nextInt(height - h + 1), left = rng.nextInt(width - w + 1);
                for (int c = 0; c < channels; c++) {
                    for (int y = top; y < top + h; y++) {
                        for (int x = left; x < left + w; x++) image[(c * height + y) * width + x] = (float) gaussian(rng);
                    }
                }
                return new int[] {top, left, h, w};
            }
        }
        return null;
    }

    static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
