package io.swin4j.geometry;

import io.swin4j.geometry.SizeRule;

/**
 * How one block partitions an H×W feature map into windows: the effective window and shift per axis
 * and the zero padding to window multiples (bottom/right). Pure arithmetic, no libtorch.
 *
 * @param height  feature-map rows before padding
 * @param width   feature-map columns before padding
 * @param windowH effective window rows
 * @param windowW effective window columns
 * @param shiftH  cyclic shift along rows (0 for W-MSA blocks)
 * @param shiftW  cyclic shift along columns
 */
public record WindowPlan(int height, int width, int windowH, int windowW, int shiftH, int shiftW) {

    public WindowPlan {
        if (height <= 0 || width <= 0 || windowH <= 0 || windowW <= 0 || shiftH < 0 || shiftW < 0
                || shiftH >= windowH || shiftW >= windowW) {
            throw new IllegalArgumentException("invalid window plan " + height + "x" + width + " window "
                    + windowH + "x" + windowW + " shift " + shiftH + "," + shiftW);
        }
    }

    /**
     * The plan of a block.
     *
     * @param window  the block's configured window side (its relative-position table is (2·window−1)²)
     * @param shifted whether this is an SW-MSA block (odd index within the stage)
     */
    public static WindowPlan of(int height, int width, int window, boolean shifted, SizeRule rule) {
        int shift = shifted ? window / 2 : 0;
        if (rule == SizeRule.OFFICIAL) {
            // Official (and HF): if the map is no larger than the window, the window shrinks to it, no shift.
            int min = Math.min(height, width);
            if (min <= window) return new WindowPlan(height, width, min, min, 0, 0);
            return new WindowPlan(height, width, window, window, shift, shift);
        }
        if (rule == SizeRule.PADDED) return new WindowPlan(height, width, window, window, shift, shift);
        // torchvision: the window stays; per axis, no shift where the window covers the padded axis.
        int padH = roundUp(height, window);
        int padW = roundUp(width, window);
        return new WindowPlan(height, width, window, window, window >= padH ? 0 : shift, window >= padW ? 0 : shift);
    }

    private static int roundUp(int n, int m) { return (n + m - 1) / m * m; }

    public int paddedHeight() { return roundUp(height, windowH); }

    public int paddedWidth() { return roundUp(width, windowW); }

    public boolean padded() { return paddedHeight() != height || paddedWidth() != width; }

    public boolean shifted() { return shiftH > 0 || shiftW > 0; }

    public int windowsAlongH() { return paddedHeight() / windowH; }

    public int windowsAlongW() { return paddedWidth() / windowW; }

    public int numWindows() { return windowsAlongH() * windowsAlongW(); }

    /** Tokens per window, N = windowH·windowW. */
    public int windowTokens() { return windowH * windowW; }
}
