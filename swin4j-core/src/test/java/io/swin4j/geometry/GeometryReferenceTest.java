package io.swin4j.geometry;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.geometry.SizeRule;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The window arithmetic equals what the official code and torchvision compute (fixtures dumped from them by
 * tools/reference/make_parity_fixtures.py). Pure Java: no libtorch.
 */
class GeometryReferenceTest {

    private static JsonNode cases(String file) {
        Path p = Fixtures.root().resolve("geometry").resolve(file);
        return Fixtures.json(p).get("cases");
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    /** 0/1 flags (1 = fill) of a float mask, to compare with the fixtures' encoding. */
    private static int[] flags(float[] mask, int length) {
        int[] out = new int[length];
        if (mask == null) return out;
        for (int i = 0; i < length; i++) out[i] = mask[i] == -100f ? 1 : 0;
        return out;
    }

    @Test
    void relativePositionIndexEqualsOfficial() {
        JsonNode all = cases("relative_position_index.json");
        assertThat(all.size()).isGreaterThanOrEqualTo(4);
        for (JsonNode c : all) {
            int wh = c.get("window").get(0).asInt(), ww = c.get("window").get(1).asInt();
            assertThat(WindowGeometry.relativePositionIndex(wh, ww)).as("window %dx%d", wh, ww)
                    .containsExactly(ints(c.get("values")));
        }
    }

    @Test
    void partitionOrderEqualsOfficialRollThenPartition() {
        for (JsonNode c : cases("official_window_partition.json")) {
            WindowPlan p = WindowPlan.of(c.get("H").asInt(), c.get("W").asInt(), c.get("window").asInt(),
                    c.get("shift").asInt() > 0, SizeRule.OFFICIAL);
            assertThat(p.shiftH()).isEqualTo(c.get("shift").asInt());
            assertThat(WindowGeometry.partitionIndex(p)).containsExactly(ints(c.get("index")));
        }
    }

    @Test
    void shiftMaskEqualsOfficialAttnMask() {
        for (JsonNode c : cases("official_attn_mask.json")) {
            WindowPlan p = WindowPlan.of(c.get("H").asInt(), c.get("W").asInt(), c.get("window").asInt(), true,
                    SizeRule.OFFICIAL);
            assertThat(p.shiftH()).isEqualTo(c.get("shift").asInt());
            int[] expected = ints(c.get("mask"));
            assertThat(flags(WindowGeometry.shiftMask(p, -100f), expected.length)).as("%s", c.get("shape"))
                    .containsExactly(expected);
        }
    }

    @Test
    void paddedPerAxisPlansEqualTorchvision() {
        for (JsonNode c : cases("torchvision_attn_mask.json")) {
            int window = c.get("window").get(0).asInt();
            WindowPlan p = WindowPlan.of(c.get("H").asInt(), c.get("W").asInt(), window, true, SizeRule.TORCHVISION);
            assertThat(new int[] {p.shiftH(), p.shiftW()}).containsExactly(ints(c.get("shift_effective")));
            assertThat(new int[] {p.paddedHeight(), p.paddedWidth()}).containsExactly(ints(c.get("padded")));
            assertThat(p.numWindows()).isEqualTo(c.get("num_windows").asInt());
            assertThat(WindowGeometry.partitionIndex(p)).containsExactly(ints(c.get("partition_index")));
            int[] expected = ints(c.get("mask"));
            assertThat(flags(WindowGeometry.shiftMask(p, -100f), expected.length)).containsExactly(expected);
        }
    }
}
