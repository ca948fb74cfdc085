package io.swin4j.train.augment;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each RandAugment op equals Pillow 9.4 called as timm calls it, bit for bit (fixtures/augment, make_augment_fixtures.py). */
class PilOpsReferenceTest {

    private static final ImageDecoder DECODER = new ImageDecoder();

    @TestFactory
    List<DynamicTest> opsMatchPillow() throws IOException {
        Path dir = Fixtures.root().resolve("augment");
        JsonNode spec = Fixtures.json(dir.resolve("cases.json"));
        int[] fill = new int[3];
        for (int c = 0; c < 3; c++) fill[c] = spec.get("fill").get(c).asInt();
        RgbImage input = DECODER.decode(dir.resolve("input.png"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode kase : spec.get("cases")) {
            tests.add(DynamicTest.dynamicTest(kase.get("name").asText(), () -> {
                RgbImage expected = DECODER.decode(dir.resolve(kase.get("file").asText()));
                RgbImage actual = apply(kase.get("op").asText(), kase.get("args"), input, fill);
                assertThat(actual.width()).isEqualTo(expected.width());
                assertThat(actual.height()).isEqualTo(expected.height());
                byte[] a = actual.rgb(), e = expected.rgb();
                int maxDiff = 0, differing = 0;
                for (int i = 0; i < a.length; i++) {
                    int d = Math.abs((a[i] & 0xff) - (e[i] & 0xff));
                    maxDiff = Math.max(maxDiff, d);
                    if (d != 0) differing++;
                }
                assertThat(differing).as("values differing from Pillow (max diff %d)", maxDiff).isZero();
            }));
        }
        return tests;
    }

    private static RgbImage apply(String op, JsonNode args, RgbImage img, int[] fill) {
        return switch (op) {
            case "autocontrast" -> PilOps.autocontrast(img);
            case "equalize" -> PilOps.equalize(img);
            case "invert" -> PilOps.invert(img);
            case "posterize" -> PilOps.posterize(img, args.get(0).asInt());
            case "solarize" -> PilOps.solarize(img, args.get(0).asInt());
            case "solarizeAdd" -> PilOps.solarizeAdd(img, args.get(0).asInt(), args.get(1).asInt());
            case "color" -> PilOps.color(img, args.get(0).asDouble());
            case "contrast" -> PilOps.contrast(img, args.get(0).asDouble());
            case "brightness" -> PilOps.brightness(img, args.get(0).asDouble());
            case "sharpness" -> PilOps.sharpness(img, args.get(0).asDouble());
            case "affine" -> {
                double[] m = new double[6];
                for (int i = 0; i < 6; i++) m[i] = args.get(i).asDouble();
                yield PilOps.affine(img, m, fill);
            }
            case "rotate" -> PilOps.rotate(img, args.get(0).asDouble(), fill);
            default -> throw new IllegalArgumentException(op);
        };
    }
}
