package io.swin4j.geometry;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Swin-MLP's zero-padded shift against the official chain written out here on int maps, element by element, as the
 * tensors of {@code SwinMLPBlock.forward} move: (V1's bottom/right padding to a window multiple, for sizes the official
 * code cannot run), {@code F.pad(x, [0, 0, M−s, s, M−s, s])}, {@code window_partition} (view (H/M, M, W/M, M),
 * permute (0, 2, 1, 3)), and back: {@code window_reverse} (view (H/M, W/M, M, M), permute (0, 2, 1, 3)), the crop
 * {@code [M−s : −s, M−s : −s]} and the crop of the V1 padding. Pure Java, no libtorch.
 */
class ZeroPaddedWindowsTest {

    /** A map whose cells hold their own row-major index; PAD = H·W for padding, as the index convention. */
    private static int[][] identityMap(int h, int w) {
        int[][] m = new int[h][w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) m[y][x] = y * w + x;
        return m;
    }

    /** F.pad with a constant: top, bottom, left, right. */
    private static int[][] pad(int[][] m, int top, int bottom, int left, int right, int value) {
        int h = m.length, w = m[0].length;
        int[][] out = new int[top + h + bottom][left + w + right];
        for (int[] row : out) Arrays.fill(row, value);
        for (int y = 0; y < h; y++) System.arraycopy(m[y], 0, out[top + y], left, w);
        return out;
    }

    /** x[a:b, c:d] (end exclusive). */
    private static int[][] slice(int[][] m, int y0, int y1, int x0, int x1) {
        int[][] out = new int[y1 - y0][];
        for (int y = y0; y < y1; y++) out[y - y0] = Arrays.copyOfRange(m[y], x0, x1);
        return out;
    }

    /** window_partition: x.view(H/M, M, W/M, M).permute(0, 2, 1, 3), flattened in the permuted order. */
    private static int[] windowPartition(int[][] x, int m) {
        int nh = x.length / m, nw = x[0].length / m;
        List<Integer> out = new ArrayList<>();
        for (int a = 0; a < nh; a++)          // dim 0 (window row)
            for (int c = 0; c < nw; c++)      // dim 2 (window column)
                for (int b = 0; b < m; b++)   // dim 1 (row inside the window)
                    for (int d = 0; d < m; d++) out.add(x[a * m + b][c * m + d]);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** window_reverse: windows.view(H/M, W/M, M, M).permute(0, 2, 1, 3).view(H, W). */
    private static int[][] windowReverse(int[] windows, int m, int hp, int wp) {
        int nh = hp / m, nw = wp / m;
        int[][] out = new int[hp][wp];
        int k = 0;
        for (int a = 0; a < nh; a++)
            for (int c = 0; c < nw; c++)
                for (int b = 0; b < m; b++)
                    for (int d = 0; d < m; d++) out[a * m + b][c * m + d] = windows[k++];
        return out;
    }

    private static int roundUp(int n, int m) { return (n + m - 1) / m * m; }

    /** The official forward chain on the map of indices: what each window token holds. */
    private static int[] officialPartition(int h, int w, int m, int s) {
        int pad = h * w;
        int[][] x = pad(identityMap(h, w), 0, roundUp(h, m) - h, 0, roundUp(w, m) - w, pad);
        if (s > 0) x = pad(x, m - s, s, m - s, s, pad);
        return windowPartition(x, m);
    }

    /** The official reverse chain on a sequence of window-token positions: where each map position came from. */
    private static int[] officialReverse(int h, int w, int m, int s, int tokens) {
        int[] positions = new int[tokens];
        for (int k = 0; k < tokens; k++) positions[k] = k;
        int hp = roundUp(h, m) + (s > 0 ? m : 0), wp = roundUp(w, m) + (s > 0 ? m : 0);
        int[][] x = windowReverse(positions, m, hp, wp);
        if (s > 0) x = slice(x, m - s, hp - s, m - s, wp - s);   // shifted_x[:, P_t:-P_b, P_l:-P_r, :]
        x = slice(x, 0, h, 0, w);
        return Arrays.stream(x).flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void partitionAndReverseEqualTheOfficialChainOnShiftedAndUnshiftedMaps() {
        int[][] cases = {
                // h, w, window, shifted: official sizes, then sizes the official code cannot run
                {16, 16, 4, 1}, {16, 16, 4, 0}, {8, 8, 4, 1}, {16, 32, 4, 1}, {64, 64, 8, 1}, {56, 56, 7, 1},
                {7, 10, 4, 1}, {9, 9, 4, 1}, {13, 6, 4, 1}, {5, 11, 3, 1}, {10, 7, 4, 0}};
        for (int[] c : cases) {
            int h = c[0], w = c[1], m = c[2];
            WindowPlan plan = ZeroPaddedWindows.blockPlan(h, w, m, c[3] == 1, SizeRule.OFFICIAL);
            int s = plan.shiftH();
            assertThat(plan.shiftW()).isEqualTo(s);
            ZeroPaddedWindows z = new ZeroPaddedWindows(plan);
            String what = h + "x" + w + " window " + m + " shift " + s;
            int[] expected = officialPartition(h, w, m, s);
            assertThat(z.partitionIndex()).as(what).containsExactly(expected);
            assertThat(z.numWindows() * z.windowTokens()).as(what).isEqualTo(expected.length);
            assertThat(z.reverseIndex()).as(what).containsExactly(officialReverse(h, w, m, s, expected.length));
        }
    }

    @Test
    void shiftedBlocksPadHalfAWindowEachSideAtOfficialSizes() {
        // 16×16, window 4, shift 2: pad (2, 2) → 20×20, 25 windows; window 0 holds rows/cols 0-1 of the map at its
        // bottom-right 2×2 and zeros elsewhere.
        ZeroPaddedWindows z = new ZeroPaddedWindows(ZeroPaddedWindows.blockPlan(16, 16, 4, true, SizeRule.OFFICIAL));
        assertThat(z.padTop()).isEqualTo(2);
        assertThat(z.padLeft()).isEqualTo(2);
        assertThat(z.paddedHeight()).isEqualTo(20);
        assertThat(z.numWindows()).isEqualTo(25);
        int pad = 256;
        assertThat(Arrays.copyOfRange(z.partitionIndex(), 0, 16)).containsExactly(
                pad, pad, pad, pad,
                pad, pad, pad, pad,
                pad, pad, 0, 1,
                pad, pad, 16, 17);
    }

    @Test
    void officialRuleDropsTheShiftButKeepsTheWindowWhereTheMapIsNoLarger() {
        // The official block shrinks the window to min(H, W) there; the config builds such a stage with that window,
        // so at its own size window == min(H, W). A smaller map at another size keeps the window (M² weights) and pads.
        assertThat(ZeroPaddedWindows.blockPlan(4, 4, 4, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(4, 4, 4, 4, 0, 0));
        assertThat(ZeroPaddedWindows.blockPlan(4, 8, 4, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(4, 8, 4, 4, 0, 0));
        assertThat(ZeroPaddedWindows.blockPlan(3, 9, 4, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(3, 9, 4, 4, 0, 0));
        assertThat(ZeroPaddedWindows.blockPlan(9, 9, 4, true, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(9, 9, 4, 4, 2, 2));
        assertThat(ZeroPaddedWindows.blockPlan(9, 9, 4, false, SizeRule.OFFICIAL)).isEqualTo(new WindowPlan(9, 9, 4, 4, 0, 0));
        // torchvision's rule, per axis
        assertThat(ZeroPaddedWindows.blockPlan(4, 9, 4, true, SizeRule.TORCHVISION)).isEqualTo(new WindowPlan(4, 9, 4, 4, 0, 2));
    }

    @Test
    void windowCountIsTheOfficialFlopsCount() {
        // SwinMLPBlock.flops(): shifted nW = (H/M + 1)·(W/M + 1), else H·W/M².
        for (int[] c : new int[][] {{56, 56, 7}, {28, 28, 7}, {64, 64, 8}, {32, 16, 8}, {16, 32, 4}}) {
            int h = c[0], w = c[1], m = c[2];
            ZeroPaddedWindows shifted = new ZeroPaddedWindows(ZeroPaddedWindows.blockPlan(h, w, m, true, SizeRule.OFFICIAL));
            ZeroPaddedWindows plain = new ZeroPaddedWindows(ZeroPaddedWindows.blockPlan(h, w, m, false, SizeRule.OFFICIAL));
            assertThat((double) shifted.numWindows()).isEqualTo(((double) h / m + 1) * ((double) w / m + 1));
            assertThat((double) plain.numWindows()).isEqualTo((double) h * w / m / m);
        }
    }

    @Test
    void everyMapPositionAppearsOnceAndTheRestIsPadding() {
        ZeroPaddedWindows z = new ZeroPaddedWindows(ZeroPaddedWindows.blockPlan(7, 10, 4, true, SizeRule.OFFICIAL));
        int[] fwd = z.partitionIndex();
        int[] rev = z.reverseIndex();
        for (int pos = 0; pos < 70; pos++) assertThat(fwd[rev[pos]]).isEqualTo(pos);
        assertThat(Arrays.stream(fwd).filter(v -> v == 70).count()).isEqualTo((long) fwd.length - 70);
    }
}
