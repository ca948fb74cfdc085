package io.swin4j.train.augment;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RandAugment's level→argument mapping and whole ops equal timm's own {@code LEVEL_TO_ARG} functions and
 * {@code AugmentOp} (fixtures/augment/level_to_arg.json and randaugment_ops.json, make_augment_fixtures.py --timm).
 */
class RandAugmentReferenceTest {

    private static final Path DIR = Fixtures.root().resolve("augment");
    private static final JsonNode TABLE = Fixtures.json(DIR.resolve("level_to_arg.json"));

    private static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) d[i] = a.get(i).asDouble();
        return d;
    }

    private static List<String> strings(JsonNode a) {
        List<String> s = new ArrayList<>();
        a.forEach(n -> s.add(n.asText()));
        return s;
    }

    /** Compares swin4j's mapping for {@code ra} with timm's table for every op of timm's list, every level, both signs. */
    private static void assertTableMatches(RandAugment ra, List<String> timmOps) {
        int compared = 0;
        for (int i = 0; i < timmOps.size(); i++) {
            String timmName = timmOps.get(i), op = RandAugment.OPS.get(i);
            for (JsonNode row : TABLE.get("ops").get(timmName)) {
                double level = row.get("level").asDouble();
                assertThat(ra.levelToArgs(op, level, false)).as("%s (timm %s) at level %s, sign kept", op, timmName, level)
                        .containsExactly(doubles(row.get("kept")));
                assertThat(ra.levelToArgs(op, level, true)).as("%s (timm %s) at level %s, sign negated", op, timmName, level)
                        .containsExactly(doubles(row.get("negated")));
                compared++;
            }
            boolean timmNegates = false;
            for (JsonNode row : TABLE.get("ops").get(timmName)) timmNegates |= !row.get("kept").equals(row.get("negated"));
            assertThat(ra.negates(op)).as("%s draws a random sign as timm's %s does", op, timmName).isEqualTo(timmNegates);
        }
        assertThat(compared).isEqualTo(timmOps.size() * TABLE.get("levels").size());
    }

    @Test
    void increasingOpsMapLevelsAsTimm() {
        List<String> timmOps = strings(TABLE.get("increasing"));
        assertThat(RandAugment.OPS).as("timm's _RAND_INCREASING_TRANSFORMS, in order").isEqualTo(timmOps);
        assertTableMatches(RandAugment.parse("rand-m9-mstd0.5-inc1-mmax20", RandAugment.IMAGENET_FILL), timmOps);
    }

    @Test
    void originalOpsMapLevelsAsTimm() {
        // Without inc1 timm uses _RAND_TRANSFORMS (Posterize, Solarize, Color, ...): swin4j keeps the increasing names
        // and switches their level functions, so position i of both lists is the same op.
        List<String> timmOps = strings(TABLE.get("original"));
        for (int i = 0; i < timmOps.size(); i++) {
            assertThat(RandAugment.OPS.get(i).replace("Increasing", "")).isEqualTo(timmOps.get(i));
        }
        assertTableMatches(RandAugment.parse("rand-m9-mmax20", RandAugment.IMAGENET_FILL), timmOps);
    }

    @Test
    void everyOpOfTheRecipeEqualsTimmsAugmentOpWithEitherSign() throws IOException {
        JsonNode spec = Fixtures.json(DIR.resolve("randaugment_ops.json"));
        int[] fill = new int[3];
        for (int c = 0; c < 3; c++) fill[c] = spec.get("fill").get(c).asInt();
        assertThat(fill).containsExactly(RandAugment.IMAGENET_FILL);
        RandAugment ra = RandAugment.parse("rand-m9-mstd0.5-inc1", RandAugment.IMAGENET_FILL);
        ImageDecoder decoder = new ImageDecoder();
        RgbImage input = decoder.decode(DIR.resolve(spec.get("input").asText()));
        List<String> seen = new ArrayList<>();
        for (JsonNode kase : spec.get("cases")) {
            String op = kase.get("op").asText();
            boolean negated = kase.get("sign").asText().equals("negated");
            double[] args = ra.levelToArgs(op, kase.get("magnitude").asDouble(), negated);
            assertThat(args).as("%s args (%s)", op, kase.get("sign").asText()).containsExactly(doubles(kase.get("args")));
            RgbImage expected = decoder.decode(DIR.resolve(kase.get("file").asText()));
            byte[] a = ra.applyArgs(op, input, args).rgb(), e = expected.rgb();
            assertThat(a.length).isEqualTo(e.length);
            int differing = 0, maxDiff = 0;
            for (int i = 0; i < a.length; i++) {
                int d = Math.abs((a[i] & 0xff) - (e[i] & 0xff));
                if (d != 0) differing++;
                maxDiff = Math.max(maxDiff, d);
            }
            assertThat(differing).as("%s (%s): values differing from timm's AugmentOp (max diff %d)", op, kase.get("sign").asText(), maxDiff)
                    .isZero();
            seen.add(op);
        }
        assertThat(seen).containsAll(RandAugment.OPS);
    }
}
