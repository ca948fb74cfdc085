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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The training transform's steps one at a time, each against its definition: ToTensor + Normalize is
 * (v / 255 − mean) / std in CHW; the flip mirrors columns; without a crop the image is squashed (bicubic) to the size.
 */
class TrainTransformTest {

    private static RgbImage image(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 29 + 3);
        return new RgbImage(w, h, px);
    }

    @Test
    void withEveryStepOffItIsToTensorAndNormalize() {
        RgbImage img = image(6, 6);
        TrainTransform t = new TrainTransform(6, null, 0, null, MEAN, STD, null);
        assertThat(t.apply(img, new SplittableRandom(1))).containsExactly(normalized(img));
    }

    @Test
    void flipProbabilityOneAlwaysMirrorsAndAHalfMirrorsAboutHalf() {
        RgbImage img = image(5, 5);
        TrainTransform always = new TrainTransform(5, null, 1.0, null, MEAN, STD, null);
        for (int s = 0; s < 5; s++) assertThat(always.apply(img, new SplittableRandom(s))).containsExactly(normalized(mirrored(img)));
        TrainTransform half = new TrainTransform(5, null, 0.5, null, MEAN, STD, null);
        float[] plain = normalized(img), flipped = normalized(mirrored(img));
        int flips = 0;
        SplittableRandom rng = new SplittableRandom(11);
        for (int i = 0; i < 2000; i++) {
            float[] out = half.apply(img, rng);
            if (java.util.Arrays.equals(out, flipped)) flips++;
            else assertThat(out).containsExactly(plain);
        }
        assertThat(flips).isBetween(900, 1100);
    }

    @Test
    void withoutACropTheImageIsSquashedBicubicToTheSize() {
        RgbImage img = image(9, 4);
        TrainTransform t = new TrainTransform(6, null, 0, null, MEAN, STD, null);
        assertThat(t.apply(img, new SplittableRandom(2)))
                .containsExactly(normalized(PillowResize.resize(img, 6, 6, PillowResize.Filter.BICUBIC)));
    }

    @Test
    void aFullScaleCropKeepsTheWholeImageAndErasingChangesOnlyABox() {
        RgbImage img = image(8, 8);
        RandomResizedCrop whole = new RandomResizedCrop(8, 1.0, 1.0, 1.0, 1.0, PillowResize.Filter.BICUBIC);
        TrainTransform t = new TrainTransform(8, whole, 0, null, MEAN, STD, new RandomErasing(1.0));
        float[] plain = normalized(img);
        SplittableRandom rng = new SplittableRandom(5);
        int changedImages = 0;
        for (int i = 0; i < 50; i++) {
            float[] out = t.apply(img, rng);
            int changed = 0;
            for (int k = 0; k < out.length; k++) if (out[k] != plain[k]) changed++;
            if (changed > 0) changedImages++;
            assertThat(changed).isLessThanOrEqualTo(3 * 8 * 8 / 3 + 3 * 8); // at most a third of the area, rounded up
        }
        assertThat(changedImages).as("erasing at probability 1 erased").isGreaterThan(40);
    }

    @Test
    void randAugmentOfNoLayersLeavesTheImage() {
        RgbImage img = image(6, 6);
        TrainTransform t = new TrainTransform(6, null, 0, RandAugment.parse("rand-n0-m9", RandAugment.IMAGENET_FILL),
                MEAN, STD, null);
        assertThat(t.apply(img, new SplittableRandom(3))).containsExactly(normalized(img));
    }

    @Test
    void cropSettingsOutsideTheirRangesAreRefused() {
        assertThatThrownBy(() -> new RandomResizedCrop(0, 0.08, 1, 0.75, 1.33, PillowResize.Filter.BICUBIC))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("crop size must be >= 1, got 0");
        for (double[] s : new double[][] {{0, 1}, {0.5, 0.4}, {0.5, 1.01}, {-0.1, 0.5}}) {
            assertThatThrownBy(() -> new RandomResizedCrop(8, s[0], s[1], 0.75, 1.33, PillowResize.Filter.BICUBIC))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("need 0 < scale min <= max <= 1");
        }
        for (double[] r : new double[][] {{0, 1}, {1.5, 1.4}, {-1, 1}}) {
            assertThatThrownBy(() -> new RandomResizedCrop(8, 0.5, 1, r[0], r[1], PillowResize.Filter.BICUBIC))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("need 0 < ratio min <= max");
        }
        assertThat(new RandomResizedCrop(1, 1, 1, 1, 1, PillowResize.Filter.BICUBIC).size()).isEqualTo(1);
        for (double p : new double[] {-0.01, 1.01, Double.NaN}) {
            assertThatThrownBy(() -> new RandomErasing(p)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("erasing probability must be in [0, 1]");
        }
    }

    @Test
    void fallbackCropsWhenNoDrawnBoxFits() {
        // torchvision get_params: after 10 misses, a centre crop: too tall -> full width, h = w / ratio_min
        RandomResizedCrop square = new RandomResizedCrop(4, 1.0, 1.0, 1.0, 1.0, PillowResize.Filter.BICUBIC);
        assertThat(square.box(10, 40, new SplittableRandom(1))).containsExactly(15, 0, 10, 10);
        // 2:1 allowed, image 1:4: w = 10, h = round(10 / 0.5) = 20, centred
        RandomResizedCrop wide = new RandomResizedCrop(4, 1.0, 1.0, 0.5, 2.0, PillowResize.Filter.BICUBIC);
        for (int s = 0; s < 20; s++) assertThat(wide.box(10, 40, new SplittableRandom(s))).containsExactly(10, 0, 20, 10);
        // too wide for ratio max 2: h = full, w = round(h * 2)
        for (int s = 0; s < 20; s++) assertThat(wide.box(50, 10, new SplittableRandom(s))).containsExactly(0, 15, 10, 20);
        // in range: any fitting full-area box is the whole image, and so is the fallback
        for (int s = 0; s < 100; s++) assertThat(wide.box(20, 20, new SplittableRandom(s))).containsExactly(0, 0, 20, 20);
        RgbImage img = image(3, 3);
        assertThat(RandomResizedCrop.crop(img, 0, 0, 3, 3)).isSameAs(img);
        RgbImage corner = RandomResizedCrop.crop(img, 2, 2, 1, 1);
        assertThat(corner.get(0, 0, 1)).isEqualTo(img.get(2, 2, 1));
    }

    @Test
    void erasingNoiseIsStandardNormal() {
        SplittableRandom rng = new SplittableRandom(17);
        int n = 40_000;
        double sum = 0, sumSq = 0;
        int beyond2 = 0;
        for (int i = 0; i < n; i++) {
            double g = RandomErasing.gaussian(rng);
            sum += g;
            sumSq += g * g;
            if (Math.abs(g) > 2) beyond2++;
        }
        double mean = sum / n, var = sumSq / n - mean * mean;
        assertThat(mean).isBetween(-0.03, 0.03);
        assertThat(var).isBetween(0.96, 1.04);
        // P(|Z| > 2) = 0.0455
        assertThat(beyond2 / (double) n).isBetween(0.040, 0.051);
    }
}
