package io.swin4j.train.augment;

import io.swin4j.vision.PillowResize;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hand-derived properties of the crop, flip, erasing and RandAugment parsing (their RNG cannot mirror torch's). */
class AugmentTest {

    static RgbImage ramp(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = (byte) (x * 10 + y + c);
        return new RgbImage(w, h, px);
    }

    @Test
    void randomResizedCropBoxesRespectScaleAndRatio() {
        RandomResizedCrop rrc = RandomResizedCrop.official(224);
        SplittableRandom rng = new SplittableRandom(1);
        int fallbacks = 0;
        for (int i = 0; i < 2000; i++) {
            int[] b = rrc.box(300, 200, rng);
            int top = b[0], left = b[1], h = b[2], w = b[3];
            assertThat(top).isBetween(0, 200 - h);
            assertThat(left).isBetween(0, 300 - w);
            double area = (double) h * w / (300 * 200);
            // w, h are rounded, so area and ratio may step just outside the drawn ranges
            if (area > 0.99 && h == 200) fallbacks++;
            else assertThat(area).isBetween(0.07, 1.0);
            assertThat((double) w / h).isBetween(0.7, 1.45);
        }
        assertThat(fallbacks).as("fallback crops").isLessThan(200);
    }

    @Test
    void fullScaleSquareCropIsTheWholeImageAndFallbackIsTheCentre() {
        RgbImage img = ramp(12, 12);
        RandomResizedCrop whole = new RandomResizedCrop(12, 1.0, 1.0, 1.0, 1.0, PillowResize.Filter.BICUBIC);
        assertThat(whole.box(12, 12, new SplittableRandom(3))).containsExactly(0, 0, 12, 12);
        assertThat(whole.apply(img, new SplittableRandom(3)).rgb()).isEqualTo(img.rgb());
        // A 40×10 image cannot hold a full-area square: after 10 tries, the centre crop at the nearest ratio (1:1).
        assertThat(whole.box(40, 10, new SplittableRandom(3))).containsExactly(0, 15, 10, 10);
    }

    @Test
    void cropAndFlipMovePixelsWhereExpected() {
        RgbImage img = ramp(5, 4);
        RgbImage c = RandomResizedCrop.crop(img, 1, 2, 2, 3);
        assertThat(c.width()).isEqualTo(3);
        assertThat(c.get(0, 0, 0)).isEqualTo(img.get(2, 1, 0));
        assertThat(c.get(2, 1, 2)).isEqualTo(img.get(4, 2, 2));
        RgbImage f = RandomResizedCrop.flipHorizontal(img);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++) assertThat(f.get(x, y, 1)).isEqualTo(img.get(4 - x, y, 1));
    }

    @Test
    void randomErasingFillsOneBoxWithNoiseInsideTheImage() {
        RandomErasing always = new RandomErasing(1.0);
        SplittableRandom rng = new SplittableRandom(9);
        for (int t = 0; t < 200; t++) {
            float[] img = new float[3 * 20 * 30];
            Arrays.fill(img, 7f);
            int[] box = always.apply(img, 3, 20, 30, rng);
            assertThat(box).isNotNull();
            int top = box[0], left = box[1], h = box[2], w = box[3];
            assertThat(h).isBetween(1, 19);
            assertThat(w).isBetween(1, 29);
            assertThat(top + h).isLessThanOrEqualTo(20);
            assertThat(left + w).isLessThanOrEqualTo(30);
            int changed = 0;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 20; y++) {
                    for (int x = 0; x < 30; x++) {
                        boolean inside = y >= top && y < top + h && x >= left && x < left + w;
                        float v = img[(c * 20 + y) * 30 + x];
                        if (!inside) assertThat(v).isEqualTo(7f);
                        else if (v != 7f) changed++;
                    }
                }
            }
            assertThat(changed).isEqualTo(3 * h * w);
        }
        float[] img = new float[3 * 4 * 4];
        assertThat(new RandomErasing(0).apply(img, 3, 4, 4, rng)).isNull();
        int erased = 0;
        RandomErasing quarter = new RandomErasing(0.25);
        for (int t = 0; t < 4000; t++) if (quarter.apply(new float[3 * 20 * 20], 3, 20, 20, rng) != null) erased++;
        assertThat(erased).isBetween(900, 1100);
    }

    @Test
    void randAugmentSpecsParseAsTimmsAndBadOnesSayWhy() {
        assertThat(RandAugment.parse("none", RandAugment.IMAGENET_FILL)).isNull();
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5-inc1", RandAugment.IMAGENET_FILL);
        assertThat(ra.spec()).isEqualTo("rand-m9-mstd0.5-inc1");
        RgbImage img = ramp(16, 16);
        RgbImage a = ra.apply(img, new SplittableRandom(4)), b = ra.apply(img, new SplittableRandom(4));
        assertThat(a.rgb()).isEqualTo(b.rgb());
        // n0: no op at all
        assertThat(RandAugment.parse("rand-n0-m9", RandAugment.IMAGENET_FILL).apply(img, new SplittableRandom(1))).isSameAs(img);
        assertThatThrownBy(() -> RandAugment.parse("auto-m9", RandAugment.IMAGENET_FILL)).hasMessageContaining("must start with 'rand'");
        assertThatThrownBy(() -> RandAugment.parse("rand-mx", RandAugment.IMAGENET_FILL)).hasMessageContaining("bad number in 'mx'");
        assertThatThrownBy(() -> RandAugment.parse("rand-q3", RandAugment.IMAGENET_FILL)).hasMessageContaining("unknown part 'q3'");
    }

    @Test
    void randAugmentLevelsMapToTimmsArguments() {
        RandAugment inc = RandAugment.parse("rand-m9-inc1", RandAugment.IMAGENET_FILL);
        RgbImage img = ramp(16, 16);
        // PosterizeIncreasing at level 10 keeps 4 − 4 = 0 bits; at level 0 keeps 4 bits.
        assertThat(inc.applyOp("PosterizeIncreasing", img, 10, new SplittableRandom(0)).rgb()).isEqualTo(PilOps.posterize(img, 0).rgb());
        assertThat(inc.applyOp("PosterizeIncreasing", img, 0, new SplittableRandom(0)).rgb()).isEqualTo(PilOps.posterize(img, 4).rgb());
        // SolarizeIncreasing: threshold 256 − level/10·256; SolarizeAdd adds level/10·110 below 128.
        assertThat(inc.applyOp("SolarizeIncreasing", img, 5, new SplittableRandom(0)).rgb()).isEqualTo(PilOps.solarize(img, 128).rgb());
        assertThat(inc.applyOp("SolarizeAdd", img, 5, new SplittableRandom(0)).rgb()).isEqualTo(PilOps.solarizeAdd(img, 55, 128).rgb());
        // Enhance ops at level 0 are the identity factor 1.0.
        assertThat(inc.applyOp("ContrastIncreasing", img, 0, new SplittableRandom(0)).rgb()).isEqualTo(PilOps.contrast(img, 1.0).rgb());
    }
}
