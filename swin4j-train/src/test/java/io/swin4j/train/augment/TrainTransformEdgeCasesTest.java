package io.swin4j.train.augment;

import io.swin4j.vision.PillowResize;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.swin4j.train.augment.TransformDefinitions.MEAN;
import static io.swin4j.train.augment.TransformDefinitions.STD;
import static io.swin4j.train.augment.TransformDefinitions.mirrored;
import static io.swin4j.train.augment.TransformDefinitions.normalized;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * TrainTransform's gates as timm's {@code transforms_imagenet_train} builds the pipeline: no flip transform (and no
 * draw) when hflip is 0; torchvision's RandomHorizontalFlip flips when {@code torch.rand(1) < p} (strictly); the
 * crop and RandAugment run when configured. Expected tensors are written out: the steps in order with a copy of
 * the rng, then ToTensor + Normalize = (v / 255 − mean) / std in CHW.
 */
class TrainTransformEdgeCasesTest {

    private static RgbImage image(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 53 + 11);
        return new RgbImage(w, h, px);
    }

    @Test
    void noFlipProbabilityMeansNoDraw() {
        TrainTransform t = new TrainTransform(6, null, 0.0, null, MEAN, STD, null);
        for (long seed = 0; seed < 10; seed++) {
            SplittableRandom rng = new SplittableRandom(seed);
            float[] out = t.apply(image(6, 6), rng);
            assertThat(out).containsExactly(normalized(image(6, 6)));
            assertThat(rng.nextLong()).as("hflip 0: timm adds no RandomHorizontalFlip, nothing is drawn")
                    .isEqualTo(new SplittableRandom(seed).nextLong());
        }
    }

    /** RandomHorizontalFlip: {@code if torch.rand(1) < self.p: flip}; a draw equal to p does not flip. */
    @Test
    void drawEqualToTheFlipProbabilityDoesNotFlip() {
        double p = 0x1.8p-2; // 0.375
        RgbImage img = image(5, 5);
        float[] kept = new TrainTransform(5, null, p, null, MEAN, STD, null).apply(img, new SplittableRandom(Draws.seedWithFirstDouble(p)));
        assertThat(kept).containsExactly(normalized(img));
        double below = 0x1.7fffffffffffep-2; // the draw just under p flips
        float[] flipped = new TrainTransform(5, null, p, null, MEAN, STD, null).apply(img, new SplittableRandom(Draws.seedWithFirstDouble(below)));
        assertThat(flipped).containsExactly(normalized(mirrored(img)));
    }

    /** With a crop configured, the crop (not a squash of the whole image) makes the tensor. */
    @Test
    void configuredCropIsApplied() {
        RandomResizedCrop crop = new RandomResizedCrop(4, 0.25, 0.25, 1, 1, PillowResize.Filter.BICUBIC);
        RgbImage img = image(8, 8);
        for (long seed = 0; seed < 8; seed++) {
            SplittableRandom ref = new SplittableRandom(seed);
            int[] b = crop.box(8, 8, ref);
            assertThat(b[2]).isEqualTo(4);
            RgbImage x = RandomResizedCrop.crop(img, b[0], b[1], 4, 4);
            float[] out = new TrainTransform(4, crop, 0.0, null, MEAN, STD, null).apply(img, new SplittableRandom(seed));
            assertThat(out).as("seed %d: box %s", seed, java.util.Arrays.toString(b)).containsExactly(normalized(x));
        }
    }

    /** With RandAugment configured (every layer applied: p1), its output is what gets normalised. */
    @Test
    void configuredRandAugmentIsApplied() {
        RandAugment ra = RandAugment.parse("rand-n2-m9-p1", RandAugment.IMAGENET_FILL);
        RgbImage img = image(7, 7);
        int changed = 0;
        for (long seed = 0; seed < 8; seed++) {
            RgbImage x = ra.apply(img, new SplittableRandom(seed));
            if (!java.util.Arrays.equals(x.rgb(), img.rgb())) changed++;
            float[] out = new TrainTransform(7, null, 0.0, ra, MEAN, STD, null).apply(img, new SplittableRandom(seed));
            assertThat(out).as("seed %d", seed).containsExactly(normalized(x));
        }
        assertThat(changed).as("seeds whose RandAugment changed the image").isGreaterThan(4);
    }
}
