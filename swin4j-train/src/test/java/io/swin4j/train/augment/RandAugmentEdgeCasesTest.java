package io.swin4j.train.augment;

import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RandAugment's parse ranges, layer loop and random gates against timm's auto_augment.py: {@code RandAugment.__call__}
 * applies {@code num_layers} ops chosen with replacement; {@code AugmentOp.__call__} skips when
 * {@code prob < 1.0 and random() > prob} (no draw when prob is 1, applied when the draw equals prob), and draws a
 * magnitude {@code gauss(m, mstd)} only when {@code mstd > 0} (uniform(0, m) when mstd > 100, set to inf by
 * {@code rand_augment_transform}); {@code _randomly_negate} negates when {@code random() > 0.5} (not at 0.5).
 */
class RandAugmentEdgeCasesTest {

    private static final int[] FILL = RandAugment.IMAGENET_FILL;

    private static RgbImage image(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 71 + 5 + (i / 7) * 13);
        return new RgbImage(w, h, px);
    }

    /** timm accepts every value at the ends of the ranges: n0, m0, mstd0, p0, p1. */
    @Test
    void rangeEndsAreAccepted() {
        for (String spec : new String[] {"rand-n0", "rand-m0", "rand-mstd0", "rand-p0", "rand-p1", "rand-n0-m0-mstd0-p1"}) {
            assertThat(RandAugment.parse(spec, FILL)).as(spec).isNotNull();
        }
        RgbImage img = image(6, 5);
        assertThat(RandAugment.parse("rand-n0-p1", FILL).apply(img, new SplittableRandom(1)).rgb())
                .as("no layers leave the image as it is").containsExactly(img.rgb());
    }

    /** A probability above 1 is no probability: parse rejects it (its documented IllegalArgumentException). */
    @Test
    void probabilityAboveOneIsRejected() {
        for (String spec : new String[] {"rand-p1.5", "rand-m9-p1.0000001", "rand-n2-p2"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RandAugment.parse(spec, FILL)).as(spec)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        }
    }

    /** mstd 100 is a Gaussian of std 100 (clipped to [0, 10]: often exactly 0 or 10); above 100, uniform on [0, m]. */
    @Test
    void mstdAbove100MeansUniformNotAt100() {
        RandAugment gauss = RandAugment.parse("rand-m9-mstd100", FILL), uniform = RandAugment.parse("rand-m9-mstd100.5", FILL);
        int clipped = 0;
        SplittableRandom r1 = new SplittableRandom(3), r2 = new SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            double g = gauss.sampleMagnitude(r1);
            if (g == 0 || g == 10) clipped++;
            assertThat(uniform.sampleMagnitude(r2)).isBetween(0.0, 9.0);
        }
        assertThat(clipped).as("N(9, 100) draws clipped to 0 or 10, of 200").isGreaterThan(150);
    }

    /** gauss(m, mstd) is m + mstd·z: the noise is added (z from RandomErasing.gaussian, the project's normal draw). */
    @Test
    void magnitudeNoiseIsAddedAndNotDrawnWithoutStd() {
        RandAugment noisy = RandAugment.parse("rand-m5-mstd0.5-mmax10", FILL);
        for (long seed = 0; seed < 50; seed++) {
            double z = RandomErasing.gaussian(new SplittableRandom(seed));
            double expected = Math.max(0, Math.min(10, 5 + 0.5 * z));
            assertThat(noisy.sampleMagnitude(new SplittableRandom(seed))).as("seed %d, z %s", seed, z).isEqualTo(expected);
        }
        RandAugment exact = RandAugment.parse("rand-m7-mstd0", FILL);
        SplittableRandom rng = new SplittableRandom(9);
        assertThat(exact.sampleMagnitude(rng)).isEqualTo(7.0);
        assertThat(rng.nextLong()).as("mstd 0: timm draws no noise").isEqualTo(new SplittableRandom(9).nextLong());
    }

    /** n layers, each: op = choice(ops) (nextInt(15)), no gate draw at p1, magnitude m (mstd 0), the op's args. */
    @Test
    void applyRunsExactlyNumLayersOpsAtProbabilityOne() {
        RandAugment ra = RandAugment.parse("rand-n3-m9-p1", FILL);
        RgbImage img = image(9, 8);
        for (long seed = 0; seed < 12; seed++) {
            SplittableRandom rng = new SplittableRandom(seed), ref = new SplittableRandom(seed);
            RgbImage expected = img;
            for (int layer = 0; layer < 3; layer++) {
                String op = RandAugment.OPS.get(ref.nextInt(RandAugment.OPS.size()));
                expected = ra.applyArgs(op, expected, ra.levelToArgs(op, 9.0, ref));
            }
            RgbImage actual = ra.apply(img, rng);
            assertThat(actual.rgb()).as("seed %d", seed).containsExactly(expected.rgb());
            assertThat(rng.nextLong()).as("draws consumed, seed %d", seed).isEqualTo(ref.nextLong());
        }
    }

    /** A gate draw equal to p applies the op (timm skips only when random() > p). */
    @Test
    void drawEqualToProbabilityApplies() {
        double p = 0x1.4p-1; // 0.625
        // the first draw is the op choice (nextInt); find a seed whose second draw is exactly p: craft the state after one draw
        long seed = Draws.seedWithFirstDouble(p) - 0x9e3779b97f4a7c15L;
        SplittableRandom probe = new SplittableRandom(seed);
        probe.nextInt(RandAugment.OPS.size());
        assertThat(probe.nextDouble()).as("second draw of the crafted seed").isEqualTo(p);
        RandAugment ra = RandAugment.parse("rand-m9-p" + p, FILL);
        assertThat(ra.drawLayer(new SplittableRandom(seed)).applied()).as("draw == p must apply").isTrue();
    }

    /** _randomly_negate: -v only when random() > 0.5; a draw of exactly 0.5 keeps the sign. */
    @Test
    void drawOfExactlyHalfKeepsTheSign() {
        RandAugment ra = RandAugment.parse("rand-m9", FILL);
        long seed = Draws.seedWithFirstDouble(0.5);
        assertThat(ra.levelToArgs("Rotate", 10.0, new SplittableRandom(seed))).containsExactly(30.0);
        assertThat(ra.levelToArgs("ShearX", 10.0, new SplittableRandom(Draws.seedWithFirstDouble(0.5 + 0x1.0p-53))))
                .as("just above 0.5 negates").containsExactly(-0.3);
    }
}
