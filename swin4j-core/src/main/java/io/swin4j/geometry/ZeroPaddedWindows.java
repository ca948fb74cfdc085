package io.swin4j.geometry;

/**
 * Swin-MLP's shifted windows (the official {@code SwinMLPBlock}): instead of rolling the map and masking, a shifted
 * block zero-pads it by M−s rows/columns at the top/left and s at the bottom/right, partitions the (H+M)×(W+M)
 * map into M×M windows and crops the padding off afterwards, so the windows are offset by M−s and the border
 * windows hold zeros where V1 would wrap around. Pure arithmetic, no libtorch.
 *
 * <p>{@link #plan} describes the block's window and shift s per axis (an axis with s = 0 gets no leading padding).
 * A map that is not a multiple of the window (any size other than the official fixed one) is first zero-padded
 * bottom/right to a multiple, as V1 does, then padded (M−s, s); at the official sizes that first step pads nothing
 * and the chain is exactly the official one. Padding tokens are zeros (the map is the normed one, as officially).
 *
 * @param plan the block's map, window and shift; {@link WindowPlan#paddedHeight()} and
 *             {@link WindowPlan#numWindows()} of {@code plan} describe the cyclic arrangement, not this one: use
 *             this record's {@link #paddedHeight()} and {@link #numWindows()}
 */
public record ZeroPaddedWindows(WindowPlan plan) {

    public ZeroPaddedWindows {
        java.util.Objects.requireNonNull(plan, "plan");
    }

    /**
     * The window and shift of a Swin-MLP block at an H×W map. The window stays the block's own (the spatial MLP's
     * weights are M²×M²). {@link SizeRule#OFFICIAL}: no shift when min(H, W) ≤ window (the official code shrinks the
     * window to min(H, W) there; the config already builds such a stage with that window at its own image size, and
     * a smaller map at another size is padded up to the window instead); {@link SizeRule#TORCHVISION}: per axis, no
     * shift where the window covers the axis; {@link SizeRule#PADDED}: always shifted.
     *
     * @param window  the block's window M (its spatial MLP is built for M²)
     * @param shifted whether this is a shifted block (odd index within the stage); the shift is then M/2
     */
    public static WindowPlan blockPlan(int height, int width, int window, boolean shifted, SizeRule rule) {
        int shift = shifted ? window / 2 : 0;
        if (rule == SizeRule.OFFICIAL) {
            int s = Math.min(height, width) <= window ? 0 : shift;
            return new WindowPlan(height, width, window, window, s, s);
        }
        if (rule == SizeRule.PADDED) return new WindowPlan(height, width, window, window, shift, shift);
        return new WindowPlan(height, width, window, window, height <= window ? 0 : shift, width <= window ? 0 : shift);
    }

    public int height() { return plan.height(); }

    public int width() { return plan.width(); }

    /** Zero rows above the map: M−s on a shifted axis, else 0. */
    public int padTop() { return plan.shiftH() == 0 ? 0 : plan.windowH() - plan.shiftH(); }

    /** Zero columns left of the map: M−s on a shifted axis, else 0. */
    public int padLeft() { return plan.shiftW() == 0 ? 0 : plan.windowW() - plan.shiftW(); }

    /** Rows after padding: the map padded to a multiple of the window, plus M on a shifted axis. */
    public int paddedHeight() { return plan.paddedHeight() + (plan.shiftH() == 0 ? 0 : plan.windowH()); }

    /** Columns after padding: the map padded to a multiple of the window, plus M on a shifted axis. */
    public int paddedWidth() { return plan.paddedWidth() + (plan.shiftW() == 0 ? 0 : plan.windowW()); }

    public int windowsAlongH() { return paddedHeight() / plan.windowH(); }

    public int windowsAlongW() { return paddedWidth() / plan.windowW(); }

    /** Windows per image: (H/M + 1)·(W/M + 1) for a shifted block at window multiples, as the official count. */
    public int numWindows() { return windowsAlongH() * windowsAlongW(); }

    /** Tokens per window, N = M·M. */
    public int windowTokens() { return plan.windowTokens(); }

    /**
     * For each token of the window sequence (windows row-major over the padded map, tokens row-major inside a
     * window, flattened to nW·N), the row-major source position in the unpadded H×W map, or H·W for a zero
     * padding token: pad, then window partition.
     */
    public int[] partitionIndex() {
        int hp = paddedHeight(), wp = paddedWidth();
        int wh = plan.windowH(), ww = plan.windowW();
        int nwW = windowsAlongW(), n = windowTokens();
        int h = height(), w = width(), top = padTop(), left = padLeft();
        int padToken = h * w;
        int[] index = new int[hp * wp];
        for (int y = 0; y < hp; y++) {
            int sy = y - top;
            for (int x = 0; x < wp; x++) {
                int sx = x - left;
                int window = (y / wh) * nwW + x / ww;
                int token = (y % wh) * ww + x % ww;
                index[window * n + token] = sy >= 0 && sy < h && sx >= 0 && sx < w ? sy * w + sx : padToken;
            }
        }
        return index;
    }

    /**
     * The inverse of {@link #partitionIndex}: for each row-major position of the unpadded H×W map, where its token
     * sits in the window sequence (window merge, then crop).
     */
    public int[] reverseIndex() {
        int[] forward = partitionIndex();
        int padToken = height() * width();
        int[] reverse = new int[padToken];
        for (int k = 0; k < forward.length; k++) {
            if (forward[k] != padToken) reverse[forward[k]] = k;
        }
        return reverse;
    }
}
