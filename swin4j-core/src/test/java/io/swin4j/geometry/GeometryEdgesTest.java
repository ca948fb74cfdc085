package io.swin4j.geometry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Edges of the V2 / Swin-MLP geometry the reference comparisons do not reach. */
class GeometryEdgesTest {

    /** A window has at least one token: 0 is refused, not turned into an empty table. */
    @Test
    void aZeroWindowHasNoCoordinateTable() {
        assertThatThrownBy(() -> RelativeCoordinates.logSpacedTable(0, 4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(RelativeCoordinates.logSpacedTable(1, 4, 0)).containsExactly(0f, 0f);
    }

    /**
     * The per-axis rule of torchvision's shifted_window_attention ({@code if window_size[i] >= pad_size[i]:
     * shift_size[i] = 0}, pad_size the map padded to a window multiple): an axis the window covers is not shifted,
     * the other one is, by M/2.
     */
    @Test
    void torchvisionRuleDropsTheShiftPerAxis() {
        for (int covered : new int[] {7, 8}) {
            WindowPlan tall = ZeroPaddedWindows.blockPlan(16, covered, 8, true, SizeRule.TORCHVISION);
            assertThat(new int[] {tall.shiftH(), tall.shiftW()}).as("16x" + covered).containsExactly(4, 0);
            WindowPlan wide = ZeroPaddedWindows.blockPlan(covered, 16, 8, true, SizeRule.TORCHVISION);
            assertThat(new int[] {wide.shiftH(), wide.shiftW()}).as(covered + "x16").containsExactly(0, 4);
        }
        WindowPlan both = ZeroPaddedWindows.blockPlan(9, 9, 8, true, SizeRule.TORCHVISION);
        assertThat(new int[] {both.shiftH(), both.shiftW()}).containsExactly(4, 4);
    }
}
