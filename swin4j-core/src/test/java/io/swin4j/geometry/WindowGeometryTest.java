package io.swin4j.geometry;

import io.swin4j.geometry.SizeRule;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Structural properties of the window arithmetic; values against the references are in GeometryReferenceTest. */
class WindowGeometryTest {

    @Test
    void relativeIndexIsCenteredAndAntisymmetric() {
        int wh = 3, ww = 4, n = wh * ww;
        int[] idx = WindowGeometry.relativePositionIndex(wh, ww);
        int center = (wh - 1) * (2 * ww - 1) + (ww - 1);
        for (int i = 0; i < n; i++) {
            assertThat(idx[i * n + i]).isEqualTo(center);
            for (int j = 0; j < n; j++) {
                assertThat(idx[i * n + j] + idx[j * n + i]).isEqualTo(2 * center);
                assertThat(idx[i * n + j]).isBetween(0, (2 * wh - 1) * (2 * ww - 1) - 1);
            }
        }
    }

    @Test
    void smallWindowIndexesTheSameOffsetsOfALargerTable() {
        int[] small = WindowGeometry.relativePositionIndex(2, 2, 4, 4);
        int[] large = WindowGeometry.relativePositionIndex(4, 4);
        // token (r, c) of the 2x2 window is token (r, c) of the 4x4 window: same offsets, same table rows
        int[] map = {0, 1, 4, 5};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) assertThat(small[i * 4 + j]).isEqualTo(large[map[i] * 16 + map[j]]);
        }
    }

    @Test
    void partitionWithoutShiftGroupsRowMajorWindows() {
        WindowPlan p = WindowPlan.of(8, 8, 4, false, SizeRule.OFFICIAL);
        int[] idx = WindowGeometry.partitionIndex(p);
        // window 1 is the top-right 4x4 block; its first row is columns 4..7 of row 0
        assertThat(Arrays.copyOfRange(idx, 16, 20)).containsExactly(4, 5, 6, 7);
        assertThat(idx[16 + 4]).isEqualTo(8 + 4);
    }

    @Test
    void reverseUndoesPartitionForShiftedAndPaddedPlans() {
        for (SizeRule rule : SizeRule.values()) {
            WindowPlan p = WindowPlan.of(7, 10, 4, true, rule);
            int[] fwd = WindowGeometry.partitionIndex(p);
            int[] rev = WindowGeometry.reverseIndex(p);
            for (int pos = 0; pos < 70; pos++) assertThat(fwd[rev[pos]]).isEqualTo(pos);
            long padTokens = Arrays.stream(fwd).filter(v -> v == 70).count();
            assertThat(padTokens).isEqualTo((long) p.paddedHeight() * p.paddedWidth() - 70);
        }
    }

    @Test
    void officialRuleShrinksTheWindowAndDropsTheShift() {
        assertThat(WindowPlan.of(7, 7, 7, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(7, 7, 7, 7, 0, 0));
        assertThat(WindowPlan.of(2, 2, 4, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(2, 2, 2, 2, 0, 0));
        assertThat(WindowPlan.of(7, 10, 7, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(7, 10, 7, 7, 0, 0));
        assertThat(WindowPlan.of(56, 56, 7, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(56, 56, 7, 7, 3, 3));
    }

    @Test
    void torchvisionRuleKeepsTheWindowAndDropsTheShiftPerAxis() {
        WindowPlan p = WindowPlan.of(7, 10, 7, true, SizeRule.TORCHVISION);
        assertThat(p).isEqualTo(new WindowPlan(7, 10, 7, 7, 0, 3));
        assertThat(p.paddedHeight()).isEqualTo(7);
        assertThat(p.paddedWidth()).isEqualTo(14);
        assertThat(WindowPlan.of(2, 2, 4, true, SizeRule.TORCHVISION)).isEqualTo(new WindowPlan(2, 2, 4, 4, 0, 0));
    }

    @Test
    void maskSeparatesOnlyTheWrappedBorderWindows() {
        WindowPlan p = WindowPlan.of(8, 8, 4, true, SizeRule.OFFICIAL);
        float[] mask = WindowGeometry.shiftMask(p, -100f);
        int n = 16;
        // window 0 (top-left) holds no wrapped tokens: all zero
        for (int k = 0; k < n * n; k++) assertThat(mask[k]).isZero();
        // window 3 (bottom-right) mixes 4 regions of 2x2 tokens: each token sees 4 of 16
        for (int i = 0; i < n; i++) {
            int visible = 0;
            for (int j = 0; j < n; j++) if (mask[(3 * n + i) * n + j] == 0f) visible++;
            assertThat(visible).isEqualTo(4);
        }
        assertThat(WindowGeometry.shiftMask(WindowPlan.of(8, 8, 4, false, SizeRule.OFFICIAL), -100f)).isNull();
    }

    @Test
    void attentionGroupsAreExactlyThePairsTheShiftMaskLetsAttend() {
        for (WindowPlan p : new WindowPlan[]{WindowPlan.of(8, 8, 4, true, SizeRule.OFFICIAL),
                WindowPlan.of(8, 8, 4, false, SizeRule.OFFICIAL), WindowPlan.of(14, 14, 7, true, SizeRule.OFFICIAL)}) {
            int[] groups = WindowGeometry.attentionGroups(p);
            int[] source = WindowGeometry.partitionIndex(p);
            float[] mask = WindowGeometry.shiftMask(p, -100f);
            int n = p.windowTokens();
            int[] groupSizes = new int[p.numWindows() * 9];
            for (int g : groups) groupSizes[g]++;
            for (int t = 0; t < source.length; t++) {
                for (int u = 0; u < source.length; u++) {
                    boolean sameWindow = t / n == u / n;
                    boolean attends = sameWindow && (mask == null || mask[(t / n * n + t % n) * n + u % n] == 0f);
                    assertThat(groups[source[t]] == groups[source[u]]).as("%s tokens %d, %d", p, t, u).isEqualTo(attends);
                }
            }
            // Unshifted: the groups are the windows, n tokens each.
            if (!p.shifted()) assertThat(java.util.Arrays.stream(groupSizes).filter(c -> c > 0)).containsOnly(n);
        }
        // The paper's Figure 2: an 8×8 map, window 4, shift 2: 1 whole window, 2 cut in two, 1 cut in four = 9 groups.
        assertThat(java.util.Arrays.stream(WindowGeometry.attentionGroups(WindowPlan.of(8, 8, 4, true, SizeRule.OFFICIAL)))
                .distinct().count()).isEqualTo(9);
    }
}
