package io.swin4j.vision;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decodes JPEG, PNG, BMP, GIF (first frame) and TIFF with javax.imageio to the bytes Pillow's
 * {@code Image.open(f).convert('RGB')} gives: grey replicated, palettes expanded, alpha dropped (not
 * composited), 16-bit samples as Pillow reads them, CMYK JPEGs through Pillow's CMYK→RGB formula. EXIF
 * orientation is not applied (Pillow does not by default). Thread-safe.
 *
 * <p>Budget ({@link ImageLimits}): before any pixel is decoded, the file's length, the header's width·height
 * (Pillow's default limit {@value #DEFAULT_MAX_PIXELS}) and aspect ratio are checked, and so is every size the header
 * declares against the bytes there are ({@code DeclaredSizes}); decoding reads the bytes in memory (no ImageIO cache
 * file) and converts to RGB a row at a time, so the heap a decode needs is the JDK reader's raster plus the RGB output,
 * at most {@link #peakBytes} bytes. Whatever goes wrong inside a JDK decoder (its exceptions of any kind, an
 * OutOfMemoryError) is this image's {@link ImageDecodeException}, naming the image and the reason.
 */
public final class ImageDecoder {

    /** Pillow's {@code Image.MAX_IMAGE_PIXELS}. */
    public static final long DEFAULT_MAX_PIXELS = ImageLimits.DEFAULT_MAX_PIXELS;

    /** The largest raster a JDK reader decodes into, per pixel: 16-bit RGBA (4 samples of 2 bytes). */
    static final int MAX_RASTER_BYTES_PER_PIXEL = 8;

    /** The JDK readers' format names this decoder uses (Pillow opens these; the JDK's WBMP reader it does not). */
    private static final java.util.Set<String> FORMATS = java.util.Set.of("jpeg", "png", "bmp", "gif", "tif");

    private final ImageLimits limits;

    public ImageDecoder() {
        this(ImageLimits.DEFAULTS);
    }

    /** The default limits with another pixel limit. */
    public ImageDecoder(long maxPixels) {
        this(ImageLimits.DEFAULTS.withMaxPixels(maxPixels));
    }

    public ImageDecoder(ImageLimits limits) {
        this.limits = java.util.Objects.requireNonNull(limits);
    }

    public long maxPixels() {
        return limits.maxPixels();
    }

    public ImageLimits limits() {
        return limits;
    }

    /**
     * The most heap one decode of a width×height image takes, from its header: the JDK reader's raster (at most
     * {@value #MAX_RASTER_BYTES_PER_PIXEL} bytes a pixel, 16-bit RGBA) plus the RGB output (3), plus per-row buffers
     * and the reader's state; the encoded bytes themselves are the caller's. {@code peakBytes(maxPixels, 1)} bounds
     * any image the limits admit, e.g. to size how many decodes may run at once. Measured (the least -Xmx a decode
     * fits in, 9 and 36 M-pixel images, {@code DecodeMemory} in the tests): 2.9 MiB per megapixel for 8-bit RGB PNG and
     * JPEG (converted in place), 3.8 for grey, 6.8 for RGBA; 11 bytes a pixel is the bound for 16-bit RGBA.
     */
    public static long peakBytes(long width, long height) {
        return width * height * (MAX_RASTER_BYTES_PER_PIXEL + 3) + 64 * Math.max(width, height) + (1 << 20);
    }

    public RgbImage decode(Path file) throws IOException {
        return decode(read(file), file.toString());
    }

    /** At most {@code maxFileBytes} of a file, also when its size is unknown (a pipe, a device). */
    private byte[] read(Path file) throws ImageDecodeException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) Math.min(limits.maxFileBytes() + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > limits.maxFileBytes()) throw tooLong(file.toString(), Files.isRegularFile(file) ? Files.size(file) : -1);
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(file.toString(), "no such file");
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageDecodeException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
    }

    private ImageDecodeException tooLong(String source, long length) {
        return new ImageDecodeException(source, "file of " + (length >= 0 ? length + " bytes" : "more bytes")
                + " exceeds the limit of " + limits.maxFileBytes() + " bytes");
    }

    /** @param source names the image in error messages (a path, an upload's name) */
    public RgbImage decode(byte[] bytes, String source) throws ImageDecodeException {
        if (bytes.length == 0) throw new ImageDecodeException(source, "empty file");
        if (bytes.length > limits.maxFileBytes()) throw tooLong(source, bytes.length);
        long w = -1, h = -1;
        try (ImageInputStream in = new ByteArrayImageInputStream(bytes)) {
            DeclaredSizes.check(bytes, source);
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new ImageDecodeException(source, "unsupported image format (" + sniff(bytes) + ")");
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(java.util.Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    // e.g. WBMP, which the JDK guesses from a few bytes with no signature and Pillow does not open
                    throw new ImageDecodeException(source, "unsupported image format (" + format + "; not JPEG, PNG, BMP, GIF or TIFF)");
                }
                reader.setInput(in, true, true);
                w = reader.getWidth(0);
                h = reader.getHeight(0);
                checkGeometry(w, h, source);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((IIOReadWarningListener) (r, warning) -> warnings.add(warning));
                RgbImage image;
                try {
                    image = format.contains("jpeg") && hasMarker(bytes, 0xe2, "ICC_PROFILE", 0)
                            ? iccJpeg(reader, bytes, source) : toRgb(reader.read(0), source);
                } catch (IIOException e) {
                    if (!format.contains("jpeg") || !String.valueOf(e.getMessage()).contains("Unsupported Image Type")) throw e;
                    // CMYK/YCCK, or a colour space ImageIO refuses (JFIF with Adobe transform 0): libjpeg's raw samples
                    image = iccJpeg(reader, bytes, source);
                }
                if (image == null) {
                    if (!format.contains("jpeg")) throw new ImageDecodeException(source, "CMYK images other than JPEG are not supported");
                    image = cmykJpeg(reader.readRaster(0, null), source);
                }
                if (!warnings.isEmpty()) {
                    // The JDK fills the rest of a truncated JPEG with grey; Pillow refuses such files by default.
                    throw new ImageDecodeException(source, "truncated or corrupt image: " + String.join("; ", warnings));
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(source, "corrupt or truncated image (" + describe(e) + ")", e);
        } catch (OutOfMemoryError e) {
            // What was allocated for this image is garbage now: the image fails, the process goes on.
            throw new ImageDecodeException(source, "out of memory decoding " + (w > 0 && h > 0 ? "an image of " + w + "x" + h
                    + " (up to " + (peakBytes(w, h) >> 20) + " MiB)" : "the image") + " with a heap of "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB", e);
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof IOException && e.getMessage() != null) return e.getMessage();
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    /** The header's size against the limits, before the decoder allocates for it. */
    private void checkGeometry(long w, long h, String source) throws ImageDecodeException {
        if (w < 1 || h < 1) throw new ImageDecodeException(source, "image of " + w + "x" + h + " has no pixels");
        if (w * h > limits.maxPixels()) {
            throw new ImageDecodeException(source, "image of " + w + "x" + h + " = " + w * h
                    + " pixels exceeds the limit of " + limits.maxPixels() + " (possible decompression bomb)");
        }
        long longer = Math.max(w, h), shorter = Math.min(w, h);
        if (longer > limits.maxAspectRatio() * shorter) {
            throw new ImageDecodeException(source, "image of " + w + "x" + h + " has an aspect ratio of "
                    + String.format(java.util.Locale.ROOT, "%.1f", (double) longer / shorter) + ":1, over the limit of "
                    + limits.maxAspectRatio() + ":1");
        }
        if (3 * w * h > Integer.MAX_VALUE - 8) {
            throw new ImageDecodeException(source, "image of " + w + "x" + h + " is too large for one RGB array ("
                    + 3 * w * h + " bytes)");
        }
    }

    /** One row of samples (an int[width] per band) to its RGB bytes at {@code out[at..]}. */
    private interface RowConverter {
        void convert(int[][] samples, int width, byte[] out, int at);
    }

    /**
     * Converts {@code bands} bands of a raster a row at a time: besides the output, one row of samples per band
     * (whole-image {@code getSamples} would take an int per sample, 4× the output per band).
     */
    private static RgbImage convertRows(Raster r, int bands, RowConverter f) {
        int w = r.getWidth(), h = r.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[][] s = new int[bands][w];
        for (int y = 0; y < h; y++) {
            for (int b = 0; b < bands; b++) r.getSamples(r.getMinX(), r.getMinY() + y, w, 1, b, s[b]);
            f.convert(s, w, out, y * w * 3);
        }
        return new RgbImage(w, h, out);
    }

    /**
     * A JPEG with an embedded ICC profile: the JDK would convert its pixels through the profile, Pillow never
     * does. The raw raster (YCbCr after libjpeg's upsampling) is converted with libjpeg's own fixed-point
     * YCbCr→RGB tables instead ({@code jdcolor.c}), which is what Pillow gets.
     */
    private static RgbImage iccJpeg(ImageReader reader, byte[] bytes, String source) throws IOException {
        Raster r = reader.readRaster(0, null);
        int bands = r.getNumBands();
        if (bands == 4) return cmykJpeg(r, source);
        if (bands != 1 && bands != 3) throw new ImageDecodeException(source, "unsupported JPEG with " + bands + " components");
        boolean copy = bands == 1 || storedAsRgb(bytes);
        return convertRows(r, bands, (s, w, out, at) -> {
            for (int i = 0, o = at; i < w; i++, o += 3) {
                if (copy) {
                    for (int c = 0; c < 3; c++) out[o + c] = (byte) s[bands == 1 ? 0 : c][i];
                    continue;
                }
                int y = s[0][i], cb = s[1][i] - 128, cr = s[2][i] - 128;
                out[o] = (byte) clamp(y + ((FIX_1_40200 * cr + ONE_HALF) >> 16));
                out[o + 1] = (byte) clamp(y + ((-FIX_0_34414 * cb + ONE_HALF - FIX_0_71414 * cr) >> 16));
                out[o + 2] = (byte) clamp(y + ((FIX_1_77200 * cb + ONE_HALF) >> 16));
            }
        });
    }

    private static final int ONE_HALF = 1 << 15;
    private static final int FIX_1_40200 = fix(1.40200), FIX_1_77200 = fix(1.77200), FIX_0_71414 = fix(0.71414),
            FIX_0_34414 = fix(0.34414);

    private static int fix(double x) {
        return (int) (x * (1 << 16) + 0.5);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static String sniff(byte[] b) {
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
                && b[10] == 'B' && b[11] == 'P') return "WebP is not supported";
        if (b.length >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8) return "JPEG header, unreadable";
        return "not JPEG, PNG, BMP, GIF or TIFF";
    }

    private static RgbImage toRgb(BufferedImage img, String source) throws ImageDecodeException {
        RgbImage inPlace = bgrInPlace(img);
        if (inPlace != null) return inPlace;
        Raster r = img.getRaster();
        ColorModel cm = img.getColorModel();
        if (cm instanceof IndexColorModel icm) {
            return convertRows(r, 1, (s, w, out, at) -> {
                for (int i = 0, o = at; i < w; i++, o += 3) {
                    int idx = s[0][i];
                    out[o] = (byte) icm.getRed(idx);
                    out[o + 1] = (byte) icm.getGreen(idx);
                    out[o + 2] = (byte) icm.getBlue(idx);
                }
            });
        }
        int colorBands = cm.getNumColorComponents();
        if (colorBands == 4 && cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK) return null; // caller converts
        if (colorBands != 1 && colorBands != 3) {
            throw new ImageDecodeException(source, "unsupported colour model with " + colorBands + " colour components");
        }
        if (r.getNumBands() > colorBands + (cm.hasAlpha() ? 1 : 0)) {
            throw new ImageDecodeException(source, "unsupported raster with " + r.getNumBands() + " bands");
        }
        int bits = cm.getComponentSize(0);
        return convertRows(r, colorBands, (s, w, out, at) -> {
            for (int i = 0, o = at; i < w; i++, o += 3) {
                for (int c = 0; c < 3; c++) {
                    int v = s[colorBands == 1 ? 0 : c][i];
                    if (bits > 8) {
                        // Pillow opens 16-bit grey as mode I and clips it to 255 in convert('RGB'); 16-bit RGB keeps the high byte.
                        v = colorBands == 1 ? Math.min(v, 255) : v >> (bits - 8);
                    } else if (bits < 8) {
                        v = v * 255 / ((1 << bits) - 1); // 1/2/4-bit grey scaled as Pillow's unpackers do
                    }
                    out[o + c] = (byte) v;
                }
            }
        });
    }

    /**
     * The commonest case without a copy: an 8-bit BGR image (what the JDK decodes RGB and YCbCr JPEGs and 8-bit RGB
     * PNGs to) whose raster is exactly its pixels, interleaved B, G, R; swapping B and R in place gives the RGB bytes,
     * so the decode's peak is the raster alone (3 bytes a pixel). Null when the image is laid out otherwise.
     */
    private static RgbImage bgrInPlace(BufferedImage img) {
        if (img.getType() != BufferedImage.TYPE_3BYTE_BGR) return null;
        java.awt.image.WritableRaster r = img.getRaster();
        int w = r.getWidth(), h = r.getHeight();
        if (r.getParent() != null || r.getSampleModelTranslateX() != 0 || r.getSampleModelTranslateY() != 0
                || !(r.getDataBuffer() instanceof java.awt.image.DataBufferByte db) || db.getNumBanks() != 1 || db.getOffset() != 0
                || !(r.getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel sm) || sm.getPixelStride() != 3
                || sm.getScanlineStride() != 3 * w || !java.util.Arrays.equals(sm.getBandOffsets(), new int[] {2, 1, 0})) {
            return null;
        }
        byte[] d = db.getData();
        if (d.length != 3 * w * h) return null;
        for (int i = 0; i < d.length; i += 3) {
            byte b = d[i];
            d[i] = d[i + 2];
            d[i + 2] = b;
        }
        return new RgbImage(w, h, d);
    }

    /**
     * CMYK/YCCK JPEG, which ImageIO cannot convert: the raw CMYK raster, always inverted (Pillow reads every
     * 4-component JPEG as "CMYK;I", "assume adobe conventions", with or without the Adobe APP14 marker), then
     * Pillow's cmyk2rgb: v = 255 − k', out = v − v·c/255 (rounded as MULDIV255).
     */
    private static RgbImage cmykJpeg(Raster r, String source) throws IOException {
        if (r.getNumBands() != 4) throw new ImageDecodeException(source, "unsupported JPEG with " + r.getNumBands() + " components");
        return convertRows(r, 4, (s, w, out, at) -> {
            for (int i = 0, o = at; i < w; i++, o += 3) {
                int nk = s[3][i]; // 255 − k', k' = 255 − sample
                for (int c = 0; c < 3; c++) {
                    int v = 255 - s[c][i];
                    int tmp = v * nk + 128;
                    int mul = ((tmp >> 8) + tmp) >> 8;
                    out[o + c] = (byte) Math.max(0, Math.min(255, nk - mul));
                }
            }
        });
    }

    /**
     * Whether libjpeg takes a 3-component JPEG's samples as RGB rather than YCbCr (jdapimin.c
     * default_decompress_parms): a JFIF APP0 marker means YCbCr; else an Adobe APP14 marker's transform 0 means RGB
     * (1 or anything else YCbCr); else the frame's component ids 'R', 'G', 'B' mean RGB, any others YCbCr.
     */
    private static boolean storedAsRgb(byte[] b) {
        if (hasMarker(b, 0xe0, "JFIF\0", 14)) return false;
        int transform = adobeTransform(b);
        if (transform >= 0) return transform == 0;
        for (int sof : new int[] {0xc0, 0xc1, 0xc2}) {
            int at = markerOffset(b, sof, "", 17); // P, Y, X, Nf, then (C, HV, Tq) per component
            if (at >= 0) return b[at + 10] == 'R' && b[at + 13] == 'G' && b[at + 16] == 'B';
        }
        return false;
    }

    /** The transform byte of the Adobe APP14 marker, or −1 without one (libjpeg needs its 12 payload bytes). */
    private static int adobeTransform(byte[] b) {
        int at = markerOffset(b, 0xee, "Adobe", 14);
        return at < 0 ? -1 : b[at + 4 + 11] & 0xff;
    }

    private static boolean hasMarker(byte[] b, int marker, String tag, int minLength) {
        return markerOffset(b, marker, tag, minLength) >= 0;
    }

    /**
     * Offset of the first header marker {@code 0xFF marker} whose length field is at least {@code minLength} and
     * whose payload starts with {@code tag}, or −1.
     */
    private static int markerOffset(byte[] b, int wanted, String tag, int minLength) {
        for (int i = 2; i + 4 < b.length; ) {
            if ((b[i] & 0xff) != 0xff) return -1;
            int marker = b[i + 1] & 0xff;
            if (marker == 0xda) return -1; // start of scan: no more header markers
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (marker == wanted && len >= minLength && i + 2 + len <= b.length && i + 4 + tag.length() <= b.length
                    && new String(b, i + 4, tag.length(), java.nio.charset.StandardCharsets.ISO_8859_1).equals(tag)) {
                return i;
            }
            i += 2 + len;
        }
        return -1;
    }
}
