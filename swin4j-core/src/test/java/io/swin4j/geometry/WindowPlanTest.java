package io.swin4j.geometry;

import io.swin4j.geometry.SizeRule;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plan's derived sizes by hand on small maps, and the plans it refuses. */
class WindowPlanTest {

    @Test
    void derivedSizesOfAPaddedShiftedPlan() {
        // 7x10 map, 4x3 window: padded to 8x12, 2x4 windows of 12 tokens
        WindowPlan p = new WindowPlan(7, 10, 4, 3, 2, 1);
        assertThat(p.paddedHeight()).isEqualTo(8);
        assertThat(p.paddedWidth()).isEqualTo(12);
        assertThat(p.windowsAlongH()).isEqualTo(2);
        assertThat(p.windowsAlongW()).isEqualTo(4);
        assertThat(p.numWindows()).isEqualTo(8);
        assertThat(p.windowTokens()).isEqualTo(12);
        assertThat(p.padded()).isTrue();
        assertThat(p.shifted()).isTrue();
        assertThat(new WindowPlan(8, 12, 4, 3, 0, 0).padded()).isFalse();
        assertThat(new WindowPlan(8, 13, 4, 3, 0, 0).padded()).as("width only").isTrue();
        assertThat(new WindowPlan(9, 12, 4, 3, 0, 0).padded()).as("height only").isTrue();
        assertThat(new WindowPlan(8, 12, 4, 3, 0, 0).shifted()).isFalse();
        assertThat(new WindowPlan(8, 12, 4, 3, 1, 0).shifted()).isTrue();
        assertThat(new WindowPlan(8, 12, 4, 3, 0, 1).shifted()).isTrue();
    }

    @Test
    void refusesPlansOutsideTheirDomain() {
        int[][] bad = {
            {0, 4, 2, 2, 0, 0}, {4, 0, 2, 2, 0, 0}, {4, 4, 0, 2, 0, 0}, {4, 4, 2, 0, 0, 0},
            {4, 4, 2, 2, -1, 0}, {4, 4, 2, 2, 0, -1}, {4, 4, 2, 2, 2, 0}, {4, 4, 2, 2, 0, 2}};
        for (int[] b : bad) {
            assertThatThrownBy(() -> new WindowPlan(b[0], b[1], b[2], b[3], b[4], b[5]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("invalid window plan " + b[0] + "x" + b[1] + " window " + b[2] + "x" + b[3]
                            + " shift " + b[4] + "," + b[5]);
        }
        // the extremes that are legal
        assertThat(new WindowPlan(1, 1, 1, 1, 0, 0).numWindows()).isEqualTo(1);
        assertThat(new WindowPlan(4, 4, 2, 3, 1, 2).shiftW()).isEqualTo(2);
    }

    @Test
    void relativeIndexRefusesAWindowLargerThanItsTable() {
        assertThatThrownBy(() -> WindowGeometry.relativePositionIndex(3, 2, 2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window 3x2 exceeds table window 2x2");
        assertThatThrownBy(() -> WindowGeometry.relativePositionIndex(2, 3, 2, 2)).hasMessage("window 2x3 exceeds table window 2x2");
        // a 1x1 window is offset (0, 0): the centre row (tableWh-1)(2 tableWw-1) + tableWw-1 of the table
        assertThat(WindowGeometry.relativePositionIndex(1, 1, 3, 2)).containsExactly(2 * 3 + 1);
    }

    @Test
    void shiftedPartitionOfASmallMapByHand() {
        // 4x4 map, 2x2 windows, shift 1: rolled[y][x] = map[(y+1)%4][(x+1)%4]; window 0 = rolled rows 0-1, cols 0-1
        WindowPlan p = WindowPlan.of(4, 4, 2, true, SizeRule.OFFICIAL);
        assertThat(p).isEqualTo(new WindowPlan(4, 4, 2, 2, 1, 1));
        int[] idx = WindowGeometry.partitionIndex(p);
        assertThat(java.util.Arrays.copyOfRange(idx, 0, 4)).containsExactly(5, 6, 9, 10);
        // window 3 (bottom-right) wraps: rolled (2,2),(2,3),(3,2),(3,3) = map (3,3),(3,0),(0,3),(0,0)
        assertThat(java.util.Arrays.copyOfRange(idx, 12, 16)).containsExactly(15, 12, 3, 0);
        // its regions per axis: [0,2) -> 0, [2,3) -> 1, [3,4) -> 2; region label 3·ry + rx
        int[] regions = WindowGeometry.shiftRegions(p);
        assertThat(java.util.Arrays.copyOfRange(regions, 12, 16)).containsExactly(4, 5, 7, 8);
        assertThat(java.util.Arrays.copyOfRange(regions, 0, 4)).containsExactly(0, 0, 0, 0);
        float[] mask = WindowGeometry.shiftMask(p, -7f);
        // window 3: four tokens in four regions, each sees only itself
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) assertThat(mask[(3 * 4 + i) * 4 + j]).isEqualTo(i == j ? 0f : -7f);
        }
    }

    @Test
    void torchvisionPlansKeepTheShiftWhereTheAxisIsLongerThanTheWindow() {
        // window 4, shift 2: height 4 pads to 4 (= window: no shift), width 5 pads to 8 (> window: shift kept)
        assertThat(WindowPlan.of(4, 5, 4, true, SizeRule.TORCHVISION)).isEqualTo(new WindowPlan(4, 5, 4, 4, 0, 2));
        assertThat(WindowPlan.of(5, 4, 4, true, SizeRule.TORCHVISION)).isEqualTo(new WindowPlan(5, 4, 4, 4, 2, 0));
        assertThat(WindowPlan.of(9, 9, 4, false, SizeRule.TORCHVISION)).isEqualTo(new WindowPlan(9, 9, 4, 4, 0, 0));
        // official: the window shrinks only when the smaller side is at most the window
        assertThat(WindowPlan.of(5, 8, 4, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(5, 8, 4, 4, 2, 2));
        assertThat(WindowPlan.of(4, 8, 4, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(4, 8, 4, 4, 0, 0));
        assertThat(WindowPlan.of(5, 7, 7, false, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(5, 7, 5, 5, 0, 0));
    }

    @Test
    void attentionGroupsOfPaddedPlansCoverOnlyRealPositions() {
        for (SizeRule rule : SizeRule.values()) {
            WindowPlan p = WindowPlan.of(7, 10, 4, true, rule); // padded to 8x12; padding tokens have no group
            int[] groups = WindowGeometry.attentionGroups(p);
            assertThat(groups).hasSize(70);
            int[] source = WindowGeometry.partitionIndex(p);
            float[] mask = WindowGeometry.shiftMask(p, -100f);
            int n = p.windowTokens();
            for (int t = 0; t < source.length; t++) {
                if (source[t] == 70) continue;
                for (int u = 0; u < source.length; u++) {
                    if (source[u] == 70) continue;
                    boolean attends = t / n == u / n && (mask == null || mask[(t / n * n + t % n) * n + u % n] == 0f);
                    assertThat(groups[source[t]] == groups[source[u]]).as("%s tokens %d, %d", p, t, u).isEqualTo(attends);
                }
            }
        }
    }
}
