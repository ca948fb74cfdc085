package io.swin4j.vision;

/**
 * Pillow 9.4's {@code Image.resize} on 8-bit RGB, ported so results are identical pixel for pixel: BICUBIC
 * and BILINEAR through {@code libImaging/Resample.c} (separable, coefficients in double, then fixed point with
 * 22 fractional bits, horizontal pass first over only the rows the vertical pass reads), NEAREST through the
 * affine-transform path {@code _resize} takes for it ({@code ImagingScaleAffine}, with its accumulated
 * double coordinates).
 */
public final class PillowResize {

    /** Pillow's resampling filters used by torchvision's InterpolationMode. */
    public enum Filter {
        NEAREST(0), BILINEAR(1.0), BICUBIC(2.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            if (x < 0) x = -x;
            return switch (this) {
                case BILINEAR -> x < 1.0 ? 1.0 - x : 0.0;
                case BICUBIC -> {
                    final double a = -0.5;
                    if (x < 1.0) yield ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    if (x < 2.0) yield (((x - 5) * x + 8) * x - 4) * a;
                    yield 0.0;
                }
                case NEAREST -> throw new IllegalStateException("nearest has no kernel");
            };
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowResize() {}

    public static RgbImage resize(RgbImage in, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("target size must be positive: " + width + "x" + height);
        if (3L * width * height > Integer.MAX_VALUE - 8 || 3L * width * in.height() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("resize of " + in.width() + "x" + in.height() + " to " + width + "x" + height
                    + " is too large for one RGB array");
        }
        if (width == in.width() && height == in.height()) return new RgbImage(width, height, in.rgb().clone());
        if (filter == Filter.NEAREST) return nearest(in, width, height);
        Coefficients horiz = coefficients(in.width(), width, filter);
        Coefficients vert = coefficients(in.height(), height, filter);
        boolean needHorizontal = width != in.width();
        boolean needVertical = height != in.height();
        RgbImage img = in;
        int[] vBounds = vert.bounds.clone();
        if (needHorizontal) {
            // Only the rows the vertical pass will read: from the first row of output row 0 to the last of the last.
            int first = vBounds[0];
            int last = vBounds[height * 2 - 2] + vBounds[height * 2 - 1];
            for (int i = 0; i < height; i++) vBounds[i * 2] -= first;
            img = horizontal(img, width, first, last - first, horiz);
        }
        if (needVertical) img = vertical(img, height, vBounds, vert);
        return img;
    }

    private record Coefficients(int ksize, int[] bounds, int[] kk) {}

    /** Pillow's precompute_coeffs followed by normalize_coeffs_8bpc. */
    private static Coefficients coefficients(int inSize, int outSize, Filter filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] kk = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterScale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            java.util.Arrays.fill(k, 0.0);
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                if (ww != 0.0) k[x] /= ww;
            }
            for (int x = 0; x < ksize; x++) {
                double v = k[x] * (1 << PRECISION_BITS);
                kk[xx * ksize + x] = (int) (k[x] < 0 ? -0.5 + v : 0.5 + v);
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coefficients(ksize, bounds, kk);
    }

    private static int clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) return 255;
        if (v <= 0) return 0;
        return v >> PRECISION_BITS;
    }

    private static RgbImage horizontal(RgbImage in, int outWidth, int rowOffset, int rows, Coefficients c) {
        byte[] src = in.rgb(), dst = new byte[outWidth * rows * 3];
        int inStride = in.width() * 3;
        for (int yy = 0; yy < rows; yy++) {
            int rowBase = (yy + rowOffset) * inStride;
            for (int xx = 0; xx < outWidth; xx++) {
                int xmin = c.bounds[xx * 2], xmax = c.bounds[xx * 2 + 1], kBase = xx * c.ksize;
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                for (int x = 0; x < xmax; x++) {
                    int p = rowBase + (x + xmin) * 3, k = c.kk[kBase + x];
                    s0 += (src[p] & 0xff) * k;
                    s1 += (src[p + 1] & 0xff) * k;
                    s2 += (src[p + 2] & 0xff) * k;
                }
                int o = (yy * outWidth + xx) * 3;
                dst[o] = (byte) clip8(s0);
                dst[o + 1] = (byte) clip8(s1);
                dst[o + 2] = (byte) clip8(s2);
            }
        }
        return new RgbImage(outWidth, rows, dst);
    }

    private static RgbImage vertical(RgbImage in, int outHeight, int[] bounds, Coefficients c) {
        int w = in.width();
        byte[] src = in.rgb(), dst = new byte[w * outHeight * 3];
        for (int yy = 0; yy < outHeight; yy++) {
            int ymin = bounds[yy * 2], ymax = bounds[yy * 2 + 1], kBase = yy * c.ksize;
            for (int xx = 0; xx < w; xx++) {
                int s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                for (int y = 0; y < ymax; y++) {
                    int p = ((y + ymin) * w + xx) * 3, k = c.kk[kBase + y];
                    s0 += (src[p] & 0xff) * k;
                    s1 += (src[p + 1] & 0xff) * k;
                    s2 += (src[p + 2] & 0xff) * k;
                }
                int o = (yy * w + xx) * 3;
                dst[o] = (byte) clip8(s0);
                dst[o + 1] = (byte) clip8(s1);
                dst[o + 2] = (byte) clip8(s2);
            }
        }
        return new RgbImage(w, outHeight, dst);
    }

    /** ImagingScaleAffine with a = (in/out scale, 0, 0; 0, scale, 0): coordinates accumulated in double. */
    private static RgbImage nearest(RgbImage in, int width, int height) {
        double ax = (double) in.width() / width, ay = (double) in.height() / height;
        int[] xin = new int[width];
        double xo = ax * 0.5;
        for (int x = 0; x < width; x++, xo += ax) xin[x] = Math.min(coord(xo), in.width() - 1);
        byte[] dst = new byte[width * height * 3];
        double yo = ay * 0.5;
        for (int y = 0; y < height; y++, yo += ay) {
            int yi = Math.min(coord(yo), in.height() - 1);
            for (int x = 0; x < width; x++) {
                System.arraycopy(in.rgb(), (yi * in.width() + xin[x]) * 3, dst, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, dst);
    }

    private static int coord(double v) {
        return v < 0.0 ? -1 : (int) v;
    }
}
