package io.swin4j.train.augment;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PilOps on the inputs PilOpsReferenceTest's full-range image never produces, against Pillow 9.4 / timm
 * (fixtures/augment/edges.json, tools/reference/make_augment_edge_fixtures.py): autocontrast of narrow and constant
 * channels, equalize with step 0 or a heavy top bin, posterize with 8 or more bits, rotations by multiples of 90
 * and 360 degrees, and affine sample points exactly on the input's edges.
 */
class PilOpsEdgeCasesTest {

    private static final JsonNode EDGES = Fixtures.json(Fixtures.root().resolve("augment").resolve("edges.json"));

    static RgbImage image(JsonNode node) {
        JsonNode rgb = node.get("rgb");
        byte[] b = new byte[rgb.size()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) rgb.get(i).asInt();
        return new RgbImage(node.get("width").asInt(), node.get("height").asInt(), b);
    }

    private static int[] fill() {
        int[] fill = new int[3];
        for (int c = 0; c < 3; c++) fill[c] = EDGES.get("fill").get(c).asInt();
        return fill;
    }

    @TestFactory
    List<DynamicTest> edgeCasesMatchPillow() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode kase : EDGES.get("cases")) {
            tests.add(DynamicTest.dynamicTest(kase.get("name").asText(), () -> {
                RgbImage input = image(EDGES.get("inputs").get(kase.get("input").asText()));
                RgbImage expected = image(kase.get("expected"));
                RgbImage actual = apply(kase.get("op").asText(), kase.get("args"), input);
                assertThat(actual).as("%s returned null", kase.get("name").asText()).isNotNull();
                assertThat(actual.width()).isEqualTo(expected.width());
                assertThat(actual.height()).isEqualTo(expected.height());
                byte[] a = actual.rgb(), e = expected.rgb();
                List<String> diffs = new ArrayList<>();
                for (int i = 0; i < a.length && diffs.size() < 8; i++) {
                    if (a[i] != e[i]) {
                        diffs.add("pixel " + i / 3 + " channel " + i % 3 + ": " + (a[i] & 0xff) + " vs Pillow " + (e[i] & 0xff));
                    }
                }
                assertThat(diffs).as("values differing from Pillow").isEmpty();
            }));
        }
        assertThat(tests).hasSizeGreaterThan(30);
        return tests;
    }

    private static RgbImage apply(String op, JsonNode args, RgbImage img) {
        return switch (op) {
            case "autocontrast" -> PilOps.autocontrast(img);
            case "equalize" -> PilOps.equalize(img);
            case "posterize" -> PilOps.posterize(img, args.get(0).asInt());
            case "rotate" -> PilOps.rotate(img, args.get(0).asDouble(), fill());
            case "affine" -> {
                double[] m = new double[6];
                for (int i = 0; i < 6; i++) m[i] = args.get(i).asDouble();
                yield PilOps.affine(img, m, fill());
            }
            default -> throw new IllegalArgumentException(op);
        };
    }

    /** The input channels the edge cases rely on really are narrow / constant (else the cases prove nothing). */
    @Test
    void inputsHaveTheRangesTheCasesNeed() {
        RgbImage narrow = image(EDGES.get("inputs").get("narrow"));
        int[] lo = {255, 255, 255}, hi = {0, 0, 0};
        for (int i = 0; i < narrow.rgb().length; i++) {
            int v = narrow.rgb()[i] & 0xff;
            lo[i % 3] = Math.min(lo[i % 3], v);
            hi[i % 3] = Math.max(hi[i % 3], v);
        }
        assertThat(lo).containsExactly(40, 0, 170);
        assertThat(hi).containsExactly(200, 90, 255);
        RgbImage constant = image(EDGES.get("inputs").get("constant"));
        for (int p = 0; p < constant.width() * constant.height(); p++) {
            assertThat(constant.rgb()[3 * p] & 0xff).isEqualTo(77);
            assertThat(constant.rgb()[3 * p + 2] & 0xff).isZero();
        }
    }
}
