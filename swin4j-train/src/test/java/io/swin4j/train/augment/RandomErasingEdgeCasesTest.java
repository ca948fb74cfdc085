package io.swin4j.train.augment;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RandomErasing against timm's {@code RandomErasing._erase} (timm/data/random_erasing.py): skip when
 * {@code random() > probability} (strictly), 10 attempts of {@code uniform(min_area, max_area)} and
 * {@code exp(uniform(log(0.3), log(1/0.3)))}, a box only when {@code w < img_w and h < img_h} (strictly).
 */
class RandomErasingEdgeCasesTest {

    /** timm erases when the draw equals the probability: {@code random() > p} is false. */
    @Test
    void drawEqualToTheProbabilityErases() {
        double p = 0x1.5p-1; // 0.65625, an exact double the crafted draw can equal
        long seed = Draws.seedWithFirstDouble(p);
        int[] box = new RandomErasing(p).apply(new float[3 * 32 * 32], 3, 32, 32, new SplittableRandom(seed));
        assertThat(box).as("draw == probability must erase (timm: skip only when random() > p)").isNotNull();
    }

    /** A 1-pixel-wide image never fits a box (w ≥ 1 = width): null after exactly 1 + 10 × 2 draws. */
    @Test
    void tenAttemptsThenGiveUp() {
        for (long seed = 0; seed < 30; seed++) {
            SplittableRandom rng = new SplittableRandom(seed), ref = new SplittableRandom(seed);
            assertThat(new RandomErasing(1.0).apply(new float[100], 1, 100, 1, rng)).isNull();
            for (int i = 0; i < 21; i++) ref.nextDouble();
            assertThat(rng.nextLong()).as("draws consumed, seed %d", seed).isEqualTo(ref.nextLong());
        }
    }

    /** Boxes are strictly narrower / lower than the image, also when rounding lands exactly on its size. */
    @Test
    void boxesAreStrictlyInsideThinImages() {
        int[][] sizes = {{5, 200}, {200, 5}};
        for (int[] s : sizes) {
            int width = s[0], height = s[1], boxes = 0;
            for (long seed = 0; seed < 300; seed++) {
                float[] img = new float[width * height];
                int[] box = new RandomErasing(1.0).apply(img, 1, height, width, new SplittableRandom(seed));
                if (box == null) continue;
                boxes++;
                assertThat(box[3]).as("box width on %dx%d, seed %d", width, height, seed).isLessThan(width);
                assertThat(box[2]).as("box height on %dx%d, seed %d", width, height, seed).isLessThan(height);
            }
            assertThat(boxes).as("boxes on %dx%d", width, height).isGreaterThan(20);
        }
    }

    /** The aspect is log-uniform on (0.3, 1/0.3): about as many tall boxes as wide ones. */
    @Test
    void aspectIsLogUniformAroundOne() {
        int tall = 0, wide = 0;
        for (long seed = 0; seed < 400; seed++) {
            int[] box = new RandomErasing(1.0).apply(new float[64 * 64], 1, 64, 64, new SplittableRandom(seed));
            assertThat(box).isNotNull();
            if (box[2] > box[3]) tall++;
            if (box[2] < box[3]) wide++;
        }
        assertThat(tall).as("h > w boxes of 400").isBetween(140, 260);
        assertThat(wide).as("h < w boxes of 400").isBetween(140, 260);
    }
}
