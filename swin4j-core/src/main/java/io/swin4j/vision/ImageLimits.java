package io.swin4j.vision;

/**
 * What one image may cost: checked by {@link ImageDecoder} from the file and its header before any pixel is decoded
 * ({@code maxFileBytes}, {@code maxPixels}, {@code maxAspectRatio}), and by {@link EvalPreset} before it resizes
 * ({@code maxResizePixels}). The defaults ({@link #DEFAULTS}) accept every image Pillow opens by default whose sides
 * are within 1:100, and with them no named preset can exceed {@code maxResizePixels} (the largest shorter-side
 * resize, 384, times 100 is 14.7 M pixels).
 *
 * @param maxPixels       width·height from the header (default Pillow's {@code MAX_IMAGE_PIXELS}, 89,478,485)
 * @param maxFileBytes    the encoded file's length (default 256 MiB)
 * @param maxAspectRatio  longer side / shorter side (default 100)
 * @param maxResizePixels width·height of a preset's resized image before its crop (default 16,777,216 = 2^24)
 */
public record ImageLimits(long maxPixels, long maxFileBytes, double maxAspectRatio, long maxResizePixels) {

    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;
    public static final long DEFAULT_MAX_FILE_BYTES = 256L << 20;
    public static final double DEFAULT_MAX_ASPECT_RATIO = 100;
    public static final long DEFAULT_MAX_RESIZE_PIXELS = 1L << 24;

    public static final ImageLimits DEFAULTS = new ImageLimits(DEFAULT_MAX_PIXELS, DEFAULT_MAX_FILE_BYTES,
            DEFAULT_MAX_ASPECT_RATIO, DEFAULT_MAX_RESIZE_PIXELS);

    public ImageLimits {
        if (maxPixels < 1) throw new IllegalArgumentException("max pixels must be >= 1, got " + maxPixels);
        if (maxFileBytes < 1) throw new IllegalArgumentException("max file bytes must be >= 1, got " + maxFileBytes);
        if (!(maxAspectRatio >= 1) || Double.isInfinite(maxAspectRatio)) {
            throw new IllegalArgumentException("max aspect ratio must be a finite number >= 1, got " + maxAspectRatio);
        }
        if (maxResizePixels < 1) throw new IllegalArgumentException("max resize pixels must be >= 1, got " + maxResizePixels);
    }

    public ImageLimits withMaxPixels(long n) {
        return new ImageLimits(n, maxFileBytes, maxAspectRatio, maxResizePixels);
    }

    public ImageLimits withMaxFileBytes(long n) {
        return new ImageLimits(maxPixels, n, maxAspectRatio, maxResizePixels);
    }

    public ImageLimits withMaxAspectRatio(double r) {
        return new ImageLimits(maxPixels, maxFileBytes, r, maxResizePixels);
    }

    public ImageLimits withMaxResizePixels(long n) {
        return new ImageLimits(maxPixels, maxFileBytes, maxAspectRatio, n);
    }
}
