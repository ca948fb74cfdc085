package io.swin4j.geometry;

/**
 * The inputs of Swin V2's continuous position bias: the relative offsets of a window, log-spaced, as pure functions
 * over float arrays (the official {@code relative_coords_table} buffer). The bias MLP maps each row to one value per
 * head, and the relative position index ({@link WindowGeometry#relativePositionIndex(int, int)}) gathers them.
 */
public final class RelativeCoordinates {

    /** Offsets are scaled to [−8, 8] before the log: log2(8 + 1) / log2(8) is the largest coordinate. */
    private static final float SPAN = 8f;

    private RelativeCoordinates() {}

    /**
     * The log-spaced coordinates of every offset (dh, dw) ∈ [−(w−1), w−1]² of a w×w window, row-major over (dh, dw),
     * two floats (dh, dw) per row: ((2w−1)²·2) values. Each offset is divided by (pretrained − 1) when the stage has a
     * pretrained window, else by (M − 1) for the table window M, times 8, then sign(x)·log2(|x|+1)/log2(8), in float32
     * as the official buffer. A runtime window w smaller than M (a map smaller than the window) takes the sub-range of
     * the M-window's coordinates: its offsets normalised as M's are.
     *
     * @param window           the runtime window side w (≤ tableWindow)
     * @param tableWindow      the window side M the block is built with
     * @param pretrainedWindow the stage's pretrained window (0: none)
     */
    public static float[] logSpacedTable(int window, int tableWindow, int pretrainedWindow) {
        if (window <= 0 || window > tableWindow) {
            throw new IllegalArgumentException("window " + window + " must be in [1, table window " + tableWindow + "]");
        }
        if (pretrainedWindow < 0 || pretrainedWindow == 1) {
            throw new IllegalArgumentException("pretrained window must be 0 (none) or > 1, got " + pretrainedWindow);
        }
        int divisor = pretrainedWindow > 0 ? pretrainedWindow - 1 : tableWindow - 1;
        int side = 2 * window - 1;
        float[] out = new float[side * side * 2];
        for (int i = 0; i < side; i++) {
            float h = coordinate(i - (window - 1), divisor);
            for (int j = 0; j < side; j++) {
                int row = i * side + j;
                out[2 * row] = h;
                out[2 * row + 1] = coordinate(j - (window - 1), divisor);
            }
        }
        return out;
    }

    /**
     * One normalised, log-spaced offset, with the official float32 steps. A 1×1 table window has the single offset
     * 0, which the official code divides by M − 1 = 0 (NaN); here it is 0.
     */
    static float coordinate(int offset, int divisor) {
        if (offset == 0) return 0f;
        float x = (float) offset / divisor * SPAN;
        float log2 = (float) (Math.log(Math.abs(x) + 1f) / Math.log(2));
        return Math.signum(x) * log2 / 3f;
    }
}
