package io.swin4j.geometry;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SizeRule#PADDED}, the official segmentation/detection rule, as pure arithmetic: the window never shrinks,
 * shifted blocks always shift, and the SW-MSA mask equals the one the official Swin-Transformer-Semantic-Segmentation
 * {@code BasicLayer.forward} builds (fixtures/upernet/shift_masks.json, made by
 * tools/reference/make_upernet_fixtures.py), maps smaller than the window included.
 */
class PaddedSizeRuleTest {

    @Test
    void theWindowNeverShrinksAndShiftedBlocksAlwaysShift() {
        WindowPlan small = WindowPlan.of(4, 3, 7, true, SizeRule.PADDED);
        assertThat(small).isEqualTo(new WindowPlan(4, 3, 7, 7, 3, 3));
        assertThat(small.paddedHeight()).isEqualTo(7);
        assertThat(small.numWindows()).isEqualTo(1);
        assertThat(WindowPlan.of(4, 3, 7, false, SizeRule.PADDED).shifted()).isFalse();
        // the other rules differ on the same map
        assertThat(WindowPlan.of(4, 3, 7, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(4, 3, 3, 3, 0, 0));
        assertThat(WindowPlan.of(4, 3, 7, true, SizeRule.TORCHVISION).shifted()).isFalse();
        // Swin-MLP's zero-padded windows under PADDED: shifted too
        assertThat(ZeroPaddedWindows.blockPlan(4, 3, 7, true, SizeRule.PADDED).shifted()).isTrue();
    }

    @Test
    void shiftMaskEqualsTheSegmentationRepository() {
        JsonNode cases = Fixtures.json(Fixtures.root().resolve("upernet").resolve("shift_masks.json")).get("cases");
        assertThat(cases.size()).isGreaterThanOrEqualTo(6);
        for (JsonNode c : cases) {
            int h = c.get("height").asInt(), w = c.get("width").asInt(), window = c.get("window").asInt();
            WindowPlan plan = WindowPlan.of(h, w, window, true, SizeRule.PADDED);
            assertThat(plan.shiftH()).isEqualTo(c.get("shift").asInt());
            float[] ours = WindowGeometry.shiftMask(plan, -100f);
            JsonNode expected = c.get("mask");
            assertThat(c.get("shape").get(0).asInt()).as("windows at %dx%d", h, w).isEqualTo(plan.numWindows());
            assertThat(ours).as("mask size at %dx%d window %d", h, w, window).hasSize(expected.size());
            for (int i = 0; i < ours.length; i++) {
                assertThat(ours[i]).as("mask %dx%d window %d [%d]", h, w, window, i)
                        .isEqualTo((float) expected.get(i).asDouble());
            }
        }
    }
}
