package io.swin4j.train.segmentation;

/**
 * OpenCV's 8-bit RGB ⇄ HSV ({@code COLOR_BGR2HSV} / {@code COLOR_HSV2BGR} as mmcv's {@code bgr2hsv} / {@code hsv2bgr}
 * call them on a BGR image; here on interleaved RGB bytes): H in [0, 180], S and V in [0, 255]. Forward with OpenCV's
 * 12-bit division tables, back through OpenCV's float sector formulas (its vector and scalar paths, as it splits a row).
 */
public final class CvHsv {

    private static final int SHIFT = 12;
    private static final int[] SDIV = new int[256], HDIV = new int[256];
    private static final int[][] SECTOR = {{1, 3, 0}, {1, 0, 2}, {3, 0, 1}, {0, 2, 1}, {0, 1, 3}, {2, 1, 0}};

    static {
        for (int i = 1; i < 256; i++) {
            SDIV[i] = (int) Math.rint((255 << SHIFT) / (1.0 * i));
            HDIV[i] = (int) Math.rint((180 << SHIFT) / (6.0 * i));
        }
    }

    private CvHsv() {}

    /** RGB bytes (interleaved) → HSV bytes (interleaved H, S, V). */
    public static byte[] rgbToHsv(byte[] rgb) {
        byte[] out = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i += 3) {
            int r = rgb[i] & 0xff, g = rgb[i + 1] & 0xff, b = rgb[i + 2] & 0xff;
            int v = Math.max(b, Math.max(g, r)), vmin = Math.min(b, Math.min(g, r));
            int diff = v - vmin;
            int vr = v == r ? -1 : 0, vg = v == g ? -1 : 0;
            int s = (diff * SDIV[v] + (1 << (SHIFT - 1))) >> SHIFT;
            int h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff))));
            h = (h * HDIV[diff] + (1 << (SHIFT - 1))) >> SHIFT;
            h += h < 0 ? 180 : 0;
            out[i] = (byte) Math.min(255, h);
            out[i + 1] = (byte) s;
            out[i + 2] = (byte) v;
        }
        return out;
    }

    /**
     * HSV bytes (H in [0, 180]) → RGB bytes, for rows of {@code width} pixels. OpenCV converts each row in blocks of
     * {@link #SIMD_BLOCK} pixels with vector code that truncates to 8 bits, and the rest of the row with scalar code
     * that rounds; both are reproduced here.
     */
    public static byte[] hsvToRgb(byte[] hsv, int width) {
        if (width < 1 || hsv.length % (3 * width) != 0) throw new IllegalArgumentException(hsv.length + " bytes are not rows of " + width);
        byte[] out = new byte[hsv.length];
        int simdEnd = width / SIMD_BLOCK * SIMD_BLOCK;
        float[] rgb = new float[3];
        for (int p = 0; p < hsv.length / 3; p++) {
            boolean simd = p % width < simdEnd;
            int i = 3 * p;
            float h = hsv[i] & 0xff, s = (hsv[i + 1] & 0xff) * (1.f / 255.f), v = (hsv[i + 2] & 0xff) * (1.f / 255.f);
            if (simd) simd(h, s, v, rgb);
            else scalar(h, s, v, rgb);
            for (int c = 0; c < 3; c++) {
                float x = rgb[c] * 255.f;
                int q = simd ? (int) x : (int) Math.rint(x);
                out[i + c] = (byte) Math.max(0, Math.min(255, q));
            }
        }
        return out;
    }

    /** Pixels per block of OpenCV's vector HSV → RGB (4 vectors of 8 floats: its AVX2 build, which x86-64 runs). */
    static final int SIMD_BLOCK = 32;

    /** OpenCV's {@code HSV2RGB_simd}: sector from truncation, no special case for s = 0. Writes r, g, b in [0, 1]. */
    private static void simd(float h, float s, float v, float[] rgb) {
        h = h * HSCALE;
        float pre = (float) (int) h;
        h = h - pre;
        float tab0 = v, tab1 = v * (1.0f - s), tab2 = v * (1.0f - (s * h)), tab3 = v * (1.0f - (s * (1.0f - h)));
        float sector = pre - ((float) (int) (pre * (1.0f / 6.0f))) * 6.0f;
        float b = sector < 2 ? tab1 : sector == 2 ? tab3 : sector == 3 || sector == 4 ? tab0 : tab2;
        float g = sector < 1 ? tab3 : sector == 1 || sector == 2 ? tab0 : sector == 3 ? tab2 : tab1;
        float r = sector < 1 ? tab0 : sector == 1 ? tab2 : sector == 2 || sector == 3 ? tab1 : sector == 4 ? tab3 : tab0;
        rgb[0] = r;
        rgb[1] = g;
        rgb[2] = b;
    }

    /** OpenCV's {@code HSV2RGB_native}. Writes r, g, b in [0, 1]. */
    private static void scalar(float h, float s, float v, float[] rgb) {
        if (s == 0) {
            rgb[0] = rgb[1] = rgb[2] = v;
            return;
        }
        h *= HSCALE;
        h = h % 6.f;
        int sector = (int) Math.floor(h);
        h -= sector;
        if (sector < 0 || sector >= 6) {
            sector = 0;
            h = 0.f;
        }
        float[] tab = {v, v * (1.f - s), v * (1.f - s * h), v * (1.f - s * (1.f - h))};
        rgb[2] = tab[SECTOR[sector][0]];
        rgb[1] = tab[SECTOR[sector][1]];
        rgb[0] = tab[SECTOR[sector][2]];
    }

    private static final float HSCALE = 6.0f / 180;

}
