package io.swin4j.train.augment;

import io.swin4j.vision.RgbImage;

/**
 * The Pillow 9 image operations timm's RandAugment applies, ported to {@link RgbImage}: ImageOps (autocontrast,
 * equalize, invert, posterize, solarize), ImageEnhance (color, contrast, brightness, sharpness through
 * {@code Image.blend}) and affine transforms with PIL's bicubic ({@code a = −1}) sampling and a fill colour.
 */
public final class PilOps {

    private PilOps() {}

    static RgbImage lut(RgbImage img, int[][] perChannel) {
        byte[] in = img.rgb(), out = new byte[in.length];
        for (int i = 0; i < in.length; i++) out[i] = (byte) perChannel[i % 3][in[i] & 0xff];
        return new RgbImage(img.width(), img.height(), out);
    }

    static int[][] histograms(RgbImage img) {
        int[][] h = new int[3][256];
        byte[] in = img.rgb();
        for (int i = 0; i < in.length; i++) h[i % 3][in[i] & 0xff]++;
        return h;
    }

    public static RgbImage invert(RgbImage img) {
        byte[] in = img.rgb(), out = new byte[in.length];
        for (int i = 0; i < in.length; i++) out[i] = (byte) (255 - (in[i] & 0xff));
        return new RgbImage(img.width(), img.height(), out);
    }

    public static RgbImage posterize(RgbImage img, int bits) {
        if (bits >= 8) return img;
        int mask = ~((1 << (8 - Math.max(0, bits))) - 1) & 0xff;
        byte[] in = img.rgb(), out = new byte[in.length];
        for (int i = 0; i < in.length; i++) out[i] = (byte) (in[i] & mask);
        return new RgbImage(img.width(), img.height(), out);
    }

    public static RgbImage solarize(RgbImage img, int threshold) {
        byte[] in = img.rgb(), out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            int v = in[i] & 0xff;
            out[i] = (byte) (v < threshold ? v : 255 - v);
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    /** timm's solarize_add: below the threshold, add (clipped at 255). */
    public static RgbImage solarizeAdd(RgbImage img, int add, int threshold) {
        byte[] in = img.rgb(), out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            int v = in[i] & 0xff;
            out[i] = (byte) (v < threshold ? Math.min(255, v + add) : v);
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    public static RgbImage autocontrast(RgbImage img) {
        int[][] h = histograms(img), lut = new int[3][256];
        for (int c = 0; c < 3; c++) {
            int lo = 0, hi = 255;
            while (lo < 256 && h[c][lo] == 0) lo++;
            while (hi >= 0 && h[c][hi] == 0) hi--;
            for (int i = 0; i < 256; i++) {
                if (hi <= lo) {
                    lut[c][i] = i;
                } else {
                    double scale = 255.0 / (hi - lo), offset = -lo * scale;
                    lut[c][i] = Math.max(0, Math.min(255, (int) (i * scale + offset)));
                }
            }
        }
        return lut(img, lut);
    }

    public static RgbImage equalize(RgbImage img) {
        int[][] h = histograms(img), lut = new int[3][256];
        for (int c = 0; c < 3; c++) {
            int nonZero = 0, total = 0, last = 0;
            for (int i = 0; i < 256; i++) {
                if (h[c][i] != 0) {
                    nonZero++;
                    total += h[c][i];
                    last = h[c][i];
                }
            }
            int step = nonZero <= 1 ? 0 : (total - last) / 255;
            int n = step / 2;
            for (int i = 0; i < 256; i++) {
                if (step == 0) {
                    lut[c][i] = i;
                } else {
                    lut[c][i] = Math.min(255, n / step);
                    n += h[c][i];
                }
            }
        }
        return lut(img, lut);
    }

    /** Image.blend(degenerate, img, factor): degenerate + factor·(img − degenerate), clipped and truncated. */
    static RgbImage blend(byte[] degenerate, RgbImage img, double factor) {
        byte[] in = img.rgb(), out = new byte[in.length];
        float alpha = (float) factor;
        for (int i = 0; i < in.length; i++) {
            int d = degenerate[i] & 0xff;
            float v = d + alpha * ((in[i] & 0xff) - d);
            out[i] = (byte) (v <= 0 ? 0 : v >= 255 ? 255 : (int) v);
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    /** Pillow's convert('L'): ITU-R 601-2 luma in 16-bit fixed point with rounding. */
    static int luma(byte[] rgb, int pixel) {
        return ((rgb[pixel * 3] & 0xff) * 19595 + (rgb[pixel * 3 + 1] & 0xff) * 38470 + (rgb[pixel * 3 + 2] & 0xff) * 7471 + 0x8000) >> 16;
    }

    public static RgbImage color(RgbImage img, double factor) {
        byte[] in = img.rgb(), grey = new byte[in.length];
        for (int p = 0; p < in.length / 3; p++) {
            byte l = (byte) luma(in, p);
            grey[3 * p] = grey[3 * p + 1] = grey[3 * p + 2] = l;
        }
        return blend(grey, img, factor);
    }

    public static RgbImage contrast(RgbImage img, double factor) {
        byte[] in = img.rgb();
        long sum = 0;
        int pixels = in.length / 3;
        for (int p = 0; p < pixels; p++) sum += luma(in, p);
        int mean = (int) ((double) sum / pixels + 0.5);
        byte[] degenerate = new byte[in.length];
        java.util.Arrays.fill(degenerate, (byte) mean);
        return blend(degenerate, img, factor);
    }

    public static RgbImage brightness(RgbImage img, double factor) {
        return blend(new byte[img.rgb().length], img, factor);
    }

    /** ImageEnhance.Sharpness: blend with ImageFilter.SMOOTH (3×3, centre 5, /13), whose border pixels are the source's. */
    public static RgbImage sharpness(RgbImage img, double factor) {
        int w = img.width(), h = img.height();
        byte[] in = img.rgb(), smooth = in.clone();
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                for (int c = 0; c < 3; c++) {
                    float s = 0;
                    for (int dy = -1; dy <= 1; dy++) {
                        for (int dx = -1; dx <= 1; dx++) s += (in[((y + dy) * w + x + dx) * 3 + c] & 0xff) * (dx == 0 && dy == 0 ? 5 : 1);
                    }
                    float v = s / 13f + 0.5f;
                    smooth[(y * w + x) * 3 + c] = (byte) (v <= 0 ? 0 : v >= 255 ? 255 : (int) v);
                }
            }
        }
        return blend(smooth, img, factor);
    }

    /**
     * Image.transform(size, AFFINE, (a, b, c, d, e, f), BICUBIC, fillcolor): output pixel (x, y) samples the input
     * at (a·(x+½) + b·(y+½) + c, d·(x+½) + e·(y+½) + f); points outside the input take {@code fill}.
     */
    public static RgbImage affine(RgbImage img, double[] m, int[] fill) {
        int w = img.width(), h = img.height();
        byte[] in = img.rgb(), out = new byte[in.length];
        double[] v = new double[3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double xin = m[0] * (x + 0.5) + m[1] * (y + 0.5) + m[2];
                double yin = m[3] * (x + 0.5) + m[4] * (y + 0.5) + m[5];
                int o = (y * w + x) * 3;
                if (xin < 0 || xin >= w || yin < 0 || yin >= h) {
                    for (int c = 0; c < 3; c++) out[o + c] = (byte) fill[c];
                    continue;
                }
                bicubic(in, w, h, xin - 0.5, yin - 0.5, v);
                // Geometry.c's bicubic_filter32RGB truncates ((UINT8) v), it does not round.
                for (int c = 0; c < 3; c++) out[o + c] = (byte) (v[c] < 0 ? 0 : v[c] > 255 ? 255 : (int) v[c]);
            }
        }
        return new RgbImage(w, h, out);
    }

    private static void bicubic(byte[] in, int w, int h, double xf, double yf, double[] out) {
        int x0 = (int) Math.floor(xf), y0 = (int) Math.floor(yf);
        double dx = xf - x0, dy = yf - y0;
        for (int c = 0; c < 3; c++) {
            double[] rows = new double[4];
            for (int j = 0; j < 4; j++) {
                int yy = clamp(y0 - 1 + j, h);
                double v1 = px(in, w, clamp(x0 - 1, w), yy, c), v2 = px(in, w, clamp(x0, w), yy, c);
                double v3 = px(in, w, clamp(x0 + 1, w), yy, c), v4 = px(in, w, clamp(x0 + 2, w), yy, c);
                rows[j] = cubic(v1, v2, v3, v4, dx);
            }
            out[c] = cubic(rows[0], rows[1], rows[2], rows[3], dy);
        }
    }

    /** Pillow Geometry.c's BICUBIC macro (the a = −1 cubic). */
    private static double cubic(double v1, double v2, double v3, double v4, double d) {
        double p1 = v2, p2 = -v1 + v3, p3 = 2 * (v1 - v2) + v3 - v4, p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    private static double px(byte[] in, int w, int x, int y, int c) {
        return in[(y * w + x) * 3 + c] & 0xff;
    }

    private static int clamp(int v, int n) {
        return v < 0 ? 0 : v >= n ? n - 1 : v;
    }

    /** Image.rotate(degrees, BICUBIC, fillcolor) about the centre, same size (Pillow's matrix, rounded to 15 digits). */
    public static RgbImage rotate(RgbImage img, double degrees, int[] fill) {
        double angle = degrees % 360.0;
        if (angle < 0) angle += 360.0;
        if (angle == 0) return img;
        double rad = -Math.toRadians(angle);
        double a = round15(Math.cos(rad)), b = round15(Math.sin(rad)), d = round15(-Math.sin(rad)), e = round15(Math.cos(rad));
        double cx = img.width() / 2.0, cy = img.height() / 2.0;
        double c = a * -cx + b * -cy + cx, f = d * -cx + e * -cy + cy;
        return affine(img, new double[] {a, b, c, d, e, f}, fill);
    }

    private static double round15(double v) {
        return new java.math.BigDecimal(v).setScale(15, java.math.RoundingMode.HALF_EVEN).doubleValue();
    }
}
