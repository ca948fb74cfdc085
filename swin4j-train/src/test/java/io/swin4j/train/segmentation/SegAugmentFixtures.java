package io.swin4j.train.segmentation;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import io.swin4j.train.data.SegmentationFolder.Sample;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** fixtures/seg_augment (tools/reference/make_seg_augment_fixtures.py): inputs, outputs and comparisons. */
final class SegAugmentFixtures {

    static final Path DIR = Fixtures.root().resolve("seg_augment");
    static final JsonNode CASES = Fixtures.json(DIR.resolve("cases.json"));
    private static final ImageDecoder DECODER = new ImageDecoder();

    private SegAugmentFixtures() {}

    static RgbImage image(String file) {
        try {
            return DECODER.decode(DIR.resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] mask(String file, int[] size) {
        try {
            BufferedImage img = ImageIO.read(DIR.resolve(file).toFile());
            size[0] = img.getWidth();
            size[1] = img.getHeight();
            int[] v = img.getRaster().getSamples(0, 0, img.getWidth(), img.getHeight(), 0, (int[]) null);
            byte[] out = new byte[v.length];
            for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Sample input(String name) {
        JsonNode in = CASES.get("inputs").get(name);
        return new Sample(image(in.get("image").asText()), mask(in.get("mask").asText(), new int[2]));
    }

    /**
     * 8-bit images against cv2's: at most {@code maxShareOff} of the values one off, none more (OpenCV's float colour
     * code may be compiled with fused multiply-adds, which Java does not reproduce). Returns the number off by one.
     */
    static int assertImageClose(String what, RgbImage actual, RgbImage expected, double maxShareOff) {
        assertThat(actual.width()).as(what + " width").isEqualTo(expected.width());
        assertThat(actual.height()).as(what + " height").isEqualTo(expected.height());
        byte[] a = actual.rgb(), e = expected.rgb();
        int off = 0, max = 0;
        for (int i = 0; i < a.length; i++) {
            int d = Math.abs((a[i] & 0xff) - (e[i] & 0xff));
            max = Math.max(max, d);
            if (d != 0) off++;
        }
        assertThat(max).as(what + ": max difference from cv2").isLessThanOrEqualTo(1);
        assertThat((double) off / a.length).as(what + ": share of values off by one").isLessThanOrEqualTo(maxShareOff);
        return off;
    }
}
