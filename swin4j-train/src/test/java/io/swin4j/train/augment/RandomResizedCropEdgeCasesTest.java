package io.swin4j.train.augment;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.PillowResize;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RandomResizedCrop.box against torchvision 0.14's {@code RandomResizedCrop.get_params}: its fallback boxes
 * (fixtures/augment/edges.json, make_augment_edge_fixtures.py) and, for the random attempts, get_params written
 * out below with this project's mapping of torch's draws onto a SplittableRandom ({@code uniform_(lo, hi)}: one
 * nextDouble, none when lo == hi; {@code randint(0, n)}: nextInt(n)).
 */
class RandomResizedCropEdgeCasesTest {

    /** torchvision/transforms/transforms.py RandomResizedCrop.get_params, transcribed; round() is Python's (half to even). */
    static int[] getParams(int width, int height, double[] scale, double[] ratio, SplittableRandom rng) {
        double area = (double) height * width;
        double logLo = Math.log(ratio[0]), logHi = Math.log(ratio[1]);
        for (int i = 0; i < 10; i++) {
            double targetArea = area * (scale[0] == scale[1] ? scale[0] : scale[0] + (scale[1] - scale[0]) * rng.nextDouble());
            double aspectRatio = Math.exp(logLo == logHi ? logLo : logLo + (logHi - logLo) * rng.nextDouble());
            int w = (int) Math.rint(Math.sqrt(targetArea * aspectRatio));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspectRatio));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < Math.min(ratio[0], ratio[1])) {
            w = width;
            h = (int) Math.rint(w / Math.min(ratio[0], ratio[1]));
        } else if (inRatio > Math.max(ratio[0], ratio[1])) {
            h = height;
            w = (int) Math.rint(h * Math.max(ratio[0], ratio[1]));
        } else {
            w = width;
            h = height;
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    private static RandomResizedCrop rrc(double[] scale, double[] ratio) {
        return new RandomResizedCrop(8, scale[0], scale[1], ratio[0], ratio[1], PillowResize.Filter.BICUBIC);
    }

    /** Images no attempt fits: torchvision's centre box (Python rounds 2.5 to 2), after exactly 10 attempts of 2 draws each. */
    @Test
    void fallbackBoxesMatchTorchvisionAfterTenAttempts() {
        JsonNode cases = Fixtures.json(Fixtures.root().resolve("augment").resolve("edges.json")).get("rrc_fallback");
        assertThat(cases.size()).isEqualTo(5);
        for (JsonNode c : cases) {
            double[] scale = {c.get("scale").get(0).asDouble(), c.get("scale").get(1).asDouble()};
            double[] ratio = {c.get("ratio").get(0).asDouble(), c.get("ratio").get(1).asDouble()};
            int[] expected = new int[4];
            for (int i = 0; i < 4; i++) expected[i] = c.get("box").get(i).asInt();
            for (long seed = 0; seed < 20; seed++) {
                SplittableRandom rng = new SplittableRandom(seed), ref = new SplittableRandom(seed);
                int[] box = rrc(scale, ratio).box(c.get("width").asInt(), c.get("height").asInt(), rng);
                assertThat(box).as("box of %s, seed %d", c, seed).containsExactly(expected);
                for (int i = 0; i < 20; i++) ref.nextDouble();
                assertThat(rng.nextLong()).as("draws consumed by %s: 10 attempts x 2 uniform draws", c).isEqualTo(ref.nextLong());
            }
        }
    }

    /** Random attempts, including boxes exactly as wide / high as the image and boxes rounding to 0 pixels. */
    @Test
    void boxesMatchGetParamsWrittenOut() {
        Object[][] cases = {
            {100, 100, new double[] {0.08, 1.0}, new double[] {3.0 / 4, 4.0 / 3}},    // the recipe
            {61, 37, new double[] {0.08, 1.0}, new double[] {3.0 / 4, 4.0 / 3}},
            {50, 100, new double[] {0.5, 0.5}, new double[] {1, 1}},                 // w == width exactly
            {100, 50, new double[] {0.5, 0.5}, new double[] {1, 1}},                 // h == height exactly
            {10, 10, new double[] {0.002, 0.002}, new double[] {0.25, 0.25}},        // w rounds to 0, h to 1
            {10, 10, new double[] {0.002, 0.002}, new double[] {4, 4}},              // h rounds to 0, w to 1
            {40, 30, new double[] {0.3, 0.9}, new double[] {0.5, 2}},
        };
        int attemptsTaken = 0, fallbacks = 0;
        for (Object[] c : cases) {
            int w = (int) c[0], h = (int) c[1];
            double[] scale = (double[]) c[2], ratio = (double[]) c[3];
            for (long seed = 0; seed < 60; seed++) {
                SplittableRandom rng = new SplittableRandom(seed), ref = new SplittableRandom(seed);
                int[] expected = getParams(w, h, scale, ratio, ref);
                int[] box = rrc(scale, ratio).box(w, h, rng);
                assertThat(box).as("%dx%d scale %s ratio %s seed %d", w, h, java.util.Arrays.toString(scale),
                        java.util.Arrays.toString(ratio), seed).containsExactly(expected);
                assertThat(rng.nextLong()).as("draws consumed").isEqualTo(ref.nextLong());
                if (expected[2] == h && expected[3] == w || expected[0] == (h - expected[2]) / 2 && expected[1] == (w - expected[3]) / 2) fallbacks++;
                else attemptsTaken++;
            }
        }
        assertThat(attemptsTaken).as("boxes from random attempts").isGreaterThan(200);
        assertThat(fallbacks).as("fallback boxes").isGreaterThan(100);
    }
}
