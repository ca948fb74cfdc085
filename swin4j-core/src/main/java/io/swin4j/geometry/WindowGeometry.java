package io.swin4j.geometry;

/**
 * The index arithmetic of shifted-window attention as pure functions over int arrays. The model turns
 * these into gather indices, so pad + cyclic shift + window partition is a single index_select (and
 * the reverse another), with results identical to the reference chain of pad, roll, view and permute.
 */
public final class WindowGeometry {

    private WindowGeometry() {}

    /**
     * The official relative position index of a wh×ww window: for tokens i=(hi,wi) and j=(hj,wj) in
     * row-major order, (hi−hj+wh−1)·(2ww−1) + (wi−wj+ww−1). Row-major (N, N), N = wh·ww.
     */
    public static int[] relativePositionIndex(int wh, int ww) {
        return relativePositionIndex(wh, ww, wh, ww);
    }

    /**
     * The relative position index of a wh×ww window into the table of a larger tableWh×tableWw window
     * ((2·tableWh−1)·(2·tableWw−1) rows): the offsets of the small window are a subset of the large one's.
     * Used when a map smaller than the configured window shrinks the window at run time.
     */
    public static int[] relativePositionIndex(int wh, int ww, int tableWh, int tableWw) {
        if (wh > tableWh || ww > tableWw) {
            throw new IllegalArgumentException("window " + wh + "x" + ww + " exceeds table window " + tableWh + "x" + tableWw);
        }
        int n = wh * ww;
        int[] index = new int[n * n];
        for (int i = 0; i < n; i++) {
            int hi = i / ww, wi = i % ww;
            for (int j = 0; j < n; j++) {
                int hj = j / ww, wj = j % ww;
                index[i * n + j] = (hi - hj + tableWh - 1) * (2 * tableWw - 1) + (wi - wj + tableWw - 1);
            }
        }
        return index;
    }

    /**
     * For each token of the window sequence (windows in row-major order, tokens row-major inside a window,
     * flattened to nW·N), the row-major source position in the unpadded H×W map, or H·W for a padding token.
     * This is the reference order: pad bottom/right, roll by (−shiftH, −shiftW), partition.
     */
    public static int[] partitionIndex(WindowPlan p) {
        int hp = p.paddedHeight(), wp = p.paddedWidth();
        int nwW = p.windowsAlongW();
        int n = p.windowTokens();
        int padToken = p.height() * p.width();
        int[] index = new int[hp * wp];
        for (int y = 0; y < hp; y++) {
            // torch.roll(x, -s): rolled[y] = padded[(y + s) mod size]
            int sy = (y + p.shiftH()) % hp;
            for (int x = 0; x < wp; x++) {
                int sx = (x + p.shiftW()) % wp;
                int window = (y / p.windowH()) * nwW + x / p.windowW();
                int token = (y % p.windowH()) * p.windowW() + x % p.windowW();
                index[window * n + token] = sy < p.height() && sx < p.width() ? sy * p.width() + sx : padToken;
            }
        }
        return index;
    }

    /**
     * For each row-major position of the unpadded H×W map, its attention group: two positions attend to each
     * other iff their groups are equal. Unshifted, the group is the window (row-major over the padded map); shifted,
     * a window that wraps around holds pieces from opposite borders which the shift mask keeps apart, and each
     * piece is its own group (window·9 + {@link #shiftRegions} label). Drawn as borders, these are the windows of
     * the paper's Figure 2.
     */
    public static int[] attentionGroups(WindowPlan p) {
        int[] forward = partitionIndex(p);
        int[] regions = shiftRegions(p);
        int n = p.windowTokens();
        int[] group = new int[p.height() * p.width()];
        for (int t = 0; t < forward.length; t++) {
            if (forward[t] < group.length) group[forward[t]] = (t / n) * 9 + regions[t];
        }
        return group;
    }

    /**
     * The inverse of {@link #partitionIndex}: for each row-major position of the unpadded H×W map, where
     * its token sits in the window sequence (window reverse, roll back, crop).
     */
    public static int[] reverseIndex(WindowPlan p) {
        int[] forward = partitionIndex(p);
        int padToken = p.height() * p.width();
        int[] reverse = new int[padToken];
        for (int k = 0; k < forward.length; k++) {
            if (forward[k] != padToken) reverse[forward[k]] = k;
        }
        return reverse;
    }

    /**
     * Region label of each token in the window sequence for the SW-MSA mask: the padded map is cut
     * along each shifted axis into [0, size−window), [size−window, size−shift), [size−shift, size) as the
     * reference slices do, and tokens attend only within one region. Axes without shift are one region.
     */
    public static int[] shiftRegions(WindowPlan p) {
        int hp = p.paddedHeight(), wp = p.paddedWidth();
        int nwW = p.windowsAlongW();
        int n = p.windowTokens();
        int[] regions = new int[hp * wp];
        for (int y = 0; y < hp; y++) {
            int ry = axisRegion(y, hp, p.windowH(), p.shiftH());
            for (int x = 0; x < wp; x++) {
                int rx = axisRegion(x, wp, p.windowW(), p.shiftW());
                int window = (y / p.windowH()) * nwW + x / p.windowW();
                int token = (y % p.windowH()) * p.windowW() + x % p.windowW();
                regions[window * n + token] = ry * 3 + rx;
            }
        }
        return regions;
    }

    private static int axisRegion(int i, int size, int window, int shift) {
        if (shift == 0) return 0;
        if (i < size - window) return 0;
        return i < size - shift ? 1 : 2;
    }

    /**
     * The SW-MSA additive mask, (nW, N, N) row-major: 0 where two tokens of a window share a region,
     * {@code fill} (−100 in every reference) where they do not. Null when the plan has no shift.
     */
    public static float[] shiftMask(WindowPlan p, float fill) {
        if (!p.shifted()) return null;
        int[] regions = shiftRegions(p);
        int n = p.windowTokens();
        int nw = p.numWindows();
        float[] mask = new float[nw * n * n];
        for (int w = 0; w < nw; w++) {
            for (int i = 0; i < n; i++) {
                int ri = regions[w * n + i];
                for (int j = 0; j < n; j++) {
                    mask[(w * n + i) * n + j] = ri == regions[w * n + j] ? 0f : fill;
                }
            }
        }
        return mask;
    }
}
