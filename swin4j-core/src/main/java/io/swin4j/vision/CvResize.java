package io.swin4j.vision;

/**
 * OpenCV's {@code cv2.resize} on 8-bit images, as mmcv's {@code imresize} calls it: {@code INTER_LINEAR} for images
 * (fixed-point weights of 11 bits, half-pixel centres, edge rows and columns replicated; an exact 2× reduction is
 * OpenCV's {@code INTER_AREA} 2×2 mean) and {@code INTER_NEAREST} for masks ({@code floor(x · src/dst)}). The vertical
 * pass rounds as OpenCV's vector code does ({@code VResizeLinearVec_32s8u}: high 16 bits of products of {@code S >> 4},
 * then {@code (sum + 2) >> 2}), which cv2 4.6 applies to whole rows: the results equal cv2's bit for bit.
 */
public final class CvResize {

    private static final int COEF_BITS = 11, COEF_SCALE = 1 << COEF_BITS;

    private CvResize() {}

    /** {@code cv2.resize(img, (width, height), interpolation=INTER_LINEAR)}. */
    public static RgbImage bilinear(RgbImage src, int width, int height) {
        int sw = src.width(), sh = src.height(), cn = 3;
        if (width == sw && height == sh) return new RgbImage(sw, sh, src.rgb().clone());
        double scaleX = 1.0 / ((double) width / sw), scaleY = 1.0 / ((double) height / sh);
        if (Math.abs(scaleX - 2) < Math.ulp(1.0) && Math.abs(scaleY - 2) < Math.ulp(1.0)) return halve(src, width, height);
        int[] xofs = new int[width];
        short[] alpha = new short[2 * width];
        for (int dx = 0; dx < width; dx++) {
            float fx = (float) ((dx + 0.5) * scaleX - 0.5);
            int sx = (int) Math.floor(fx);
            fx -= sx;
            if (sx < 0) {
                fx = 0;
                sx = 0;
            }
            if (sx >= sw - 1) {
                fx = 0;
                sx = sw - 1;
            }
            xofs[dx] = sx;
            alpha[2 * dx] = (short) Math.rint((1.f - fx) * COEF_SCALE);
            alpha[2 * dx + 1] = (short) Math.rint(fx * COEF_SCALE);
        }
        byte[] in = src.rgb(), out = new byte[width * height * cn];
        int rowLen = width * cn;
        int[] row0 = new int[rowLen], row1 = new int[rowLen];
        for (int dy = 0; dy < height; dy++) {
            float fy = (float) ((dy + 0.5) * scaleY - 0.5);
            int sy = (int) Math.floor(fy);
            fy -= sy;
            int b0 = (short) Math.rint((1.f - fy) * COEF_SCALE), b1 = (short) Math.rint(fy * COEF_SCALE);
            horizontal(in, clip(sy, sh), sw, xofs, alpha, row0);
            horizontal(in, clip(sy + 1, sh), sw, xofs, alpha, row1);
            int base = dy * rowLen;
            for (int i = 0; i < rowLen; i++) {
                // OpenCV's VResizeLinearVec_32s8u: 16-bit high products of (S >> 4) and the weights, then (sum + 2) >> 2
                int t0 = Math.min(Short.MAX_VALUE, row0[i] >> 4), t1 = Math.min(Short.MAX_VALUE, row1[i] >> 4);
                int s = satShort(((t0 * b0) >> 16) + ((t1 * b1) >> 16));
                out[base + i] = (byte) Math.max(0, Math.min(255, (s + 2) >> 2));
            }
        }
        return new RgbImage(width, height, out);
    }

    private static int satShort(int v) {
        return Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
    }

    private static int clip(int y, int h) {
        return y < 0 ? 0 : y >= h ? h - 1 : y;
    }

    private static void horizontal(byte[] in, int sy, int sw, int[] xofs, short[] alpha, int[] row) {
        int base = sy * sw * 3;
        for (int dx = 0; dx < xofs.length; dx++) {
            int sx = xofs[dx], a0 = alpha[2 * dx], a1 = alpha[2 * dx + 1];
            int p = base + sx * 3, q = sx + 1 < sw ? p + 3 : p;
            for (int c = 0; c < 3; c++) row[dx * 3 + c] = (in[p + c] & 0xff) * a0 + (in[q + c] & 0xff) * a1;
        }
    }

    /** OpenCV's fast INTER_AREA for an exact 2× reduction: the rounded mean of each 2×2 block. */
    private static RgbImage halve(RgbImage src, int width, int height) {
        byte[] in = src.rgb(), out = new byte[width * height * 3];
        int sw = src.width();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = ((2 * y) * sw + 2 * x) * 3, q = p + sw * 3;
                for (int c = 0; c < 3; c++) {
                    int s = (in[p + c] & 0xff) + (in[p + 3 + c] & 0xff) + (in[q + c] & 0xff) + (in[q + 3 + c] & 0xff);
                    out[(y * width + x) * 3 + c] = (byte) ((s + 2) >> 2);
                }
            }
        }
        return new RgbImage(width, height, out);
    }

    /** {@code cv2.resize(mask, (width, height), interpolation=INTER_NEAREST)} of a one-channel {@code sw}×{@code sh} map. */
    public static byte[] nearest(byte[] mask, int sw, int sh, int width, int height) {
        if (mask.length != sw * sh) throw new IllegalArgumentException(mask.length + " values for " + sw + "x" + sh);
        double ifx = 1.0 / ((double) width / sw), ify = 1.0 / ((double) height / sh);
        int[] xofs = new int[width];
        for (int x = 0; x < width; x++) xofs[x] = Math.min((int) Math.floor(x * ifx), sw - 1);
        byte[] out = new byte[width * height];
        for (int y = 0; y < height; y++) {
            int sy = Math.min((int) Math.floor(y * ify), sh - 1);
            for (int x = 0; x < width; x++) out[y * width + x] = mask[sy * sw + xofs[x]];
        }
        return out;
    }
}
