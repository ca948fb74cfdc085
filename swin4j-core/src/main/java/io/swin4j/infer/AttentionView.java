package io.swin4j.infer;

import io.swin4j.geometry.WindowGeometry;
import io.swin4j.geometry.WindowPlan;
import io.swin4j.vision.RgbImage;

/**
 * One block's window attention for one image, in map coordinates: what a viewer needs to draw the windows and the
 * attention of a query patch over the image the model saw.
 *
 * @param plan   the block's window plan over its H×W token map (window, shift, padding)
 * @param heads  attention heads
 * @param probs  softmax probabilities, (windows, heads, N, N) row-major, N tokens per window, windows and tokens
 *               in the order of {@link WindowGeometry#partitionIndex}
 * @param seen   the image after the preset's resize and crop, which the token map tiles
 */
public record AttentionView(int stage, int block, WindowPlan plan, int heads, float[] probs, RgbImage seen) {

    public AttentionView {
        long expected = (long) plan.numWindows() * heads * plan.windowTokens() * plan.windowTokens();
        if (probs.length != expected) {
            throw new IllegalArgumentException("attention has " + probs.length + " values, the plan needs " + expected);
        }
    }

    /** Map rows (H). */
    public int gridHeight() { return plan.height(); }

    /** Map columns (W). */
    public int gridWidth() { return plan.width(); }

    /** Per map position, its attention group ({@link WindowGeometry#attentionGroups}). */
    public int[] groups() { return WindowGeometry.attentionGroups(plan); }

    /**
     * The attention of the query at map position (row, col) for one head, spread over the H×W map: its window's
     * probabilities at their positions, 0 outside the window (padding tokens dropped). Within a shifted window
     * the masked pieces come out as (almost exactly) 0, as the mask makes them.
     */
    public float[] queryMap(int head, int row, int col) {
        if (head < 0 || head >= heads) throw new IllegalArgumentException("head " + head + " of " + heads);
        if (row < 0 || row >= gridHeight() || col < 0 || col >= gridWidth()) {
            throw new IllegalArgumentException("query (" + row + ", " + col + ") outside the " + gridHeight() + "x" + gridWidth() + " map");
        }
        int[] source = WindowGeometry.partitionIndex(plan);
        int n = plan.windowTokens();
        int query = row * gridWidth() + col;
        int t = 0;
        while (source[t] != query) t++;
        int window = t / n, i = t % n;
        float[] map = new float[gridHeight() * gridWidth()];
        int base = ((window * heads + head) * n + i) * n;
        for (int j = 0; j < n; j++) {
            int pos = source[window * n + j];
            if (pos < map.length) map[pos] = probs[base + j];
        }
        return map;
    }

    /** The probabilities of one head, (windows, N, N) row-major: what a client needs to compute any query's map. */
    public float[] headProbs(int head) {
        if (head < 0 || head >= heads) throw new IllegalArgumentException("head " + head + " of " + heads);
        int n = plan.windowTokens();
        float[] out = new float[plan.numWindows() * n * n];
        for (int w = 0; w < plan.numWindows(); w++) {
            System.arraycopy(probs, (w * heads + head) * n * n, out, w * n * n, n * n);
        }
        return out;
    }
}
