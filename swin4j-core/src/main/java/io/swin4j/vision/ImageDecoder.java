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
import java.io.ByteArrayInputStream;
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
 * orientation is not applied (Pillow does not by default). The pixel count is checked from the header before
 * any pixel is decoded, against a limit (Pillow's default {@value #DEFAULT_MAX_PIXELS}). Thread-safe.
 */
public final class ImageDecoder {

    /** Pillow's {@code Image.MAX_IMAGE_PIXELS}. */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    private final long maxPixels;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1) throw new IllegalArgumentException("max pixels must be >= 1, got " + maxPixels);
        this.maxPixels = maxPixels;
    }

    public long maxPixels() {
        return maxPixels;
    }

    public RgbImage decode(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(file.toString(), "no such file");
        } catch (IOException e) {
            throw new ImageDecodeException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
        return decode(bytes, file.toString());
    }

    /** @param source names the image in error messages (a path, an upload's name) */
    public RgbImage decode(byte[] bytes, String source) throws ImageDecodeException {
        if (bytes.length == 0) throw new ImageDecodeException(source, "empty file");
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new ImageDecodeException(source, "unsupported image format (" + sniff(bytes) + ")");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w * h > maxPixels) {
                    throw new ImageDecodeException(source, "image of " + w + "x" + h + " = " + w * h
                            + " pixels exceeds the limit of " + maxPixels + " (possible decompression bomb)");
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((IIOReadWarningListener) (r, warning) -> warnings.add(warning));
                String format = reader.getFormatName().toLowerCase(java.util.Locale.ROOT);
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
                    image = cmykJpeg(reader, bytes, source);
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
            throw new ImageDecodeException(source, "corrupt or truncated image (" + e.getMessage() + ")", e);
        }
    }

    /**
     * A JPEG with an embedded ICC profile: the JDK would convert its pixels through the profile, Pillow never
     * does. The raw raster (YCbCr after libjpeg's upsampling) is converted with libjpeg's own fixed-point
     * YCbCr→RGB tables instead ({@code jdcolor.c}), which is what Pillow gets.
     */
    private static RgbImage iccJpeg(ImageReader reader, byte[] bytes, String source) throws IOException {
        Raster r = reader.readRaster(0, null);
        int w = r.getWidth(), h = r.getHeight(), bands = r.getNumBands();
        if (bands == 4) return cmykJpeg(r, bytes, source);
        if (bands != 1 && bands != 3) throw new ImageDecodeException(source, "unsupported JPEG with " + bands + " components");
        int[][] s = new int[bands][];
        for (int b = 0; b < bands; b++) s[b] = r.getSamples(0, 0, w, h, b, (int[]) null);
        boolean rgb = bands == 3 && storedAsRgb(bytes);
        byte[] out = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            if (bands == 1 || rgb) {
                for (int c = 0; c < 3; c++) out[i * 3 + c] = (byte) s[bands == 1 ? 0 : c][i];
                continue;
            }
            int y = s[0][i], cb = s[1][i] - 128, cr = s[2][i] - 128;
            out[i * 3] = (byte) clamp(y + ((FIX_1_40200 * cr + ONE_HALF) >> 16));
            out[i * 3 + 1] = (byte) clamp(y + ((-FIX_0_34414 * cb + ONE_HALF - FIX_0_71414 * cr) >> 16));
            out[i * 3 + 2] = (byte) clamp(y + ((FIX_1_77200 * cb + ONE_HALF) >> 16));
        }
        return new RgbImage(w, h, out);
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
        int w = img.getWidth(), h = img.getHeight();
        Raster r = img.getRaster();
        ColorModel cm = img.getColorModel();
        byte[] out = new byte[w * h * 3];
        int bands = r.getNumBands();
        int bits = cm.getComponentSize(0);
        if (cm instanceof IndexColorModel icm) {
            int[] idx = r.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < idx.length; i++) {
                out[i * 3] = (byte) icm.getRed(idx[i]);
                out[i * 3 + 1] = (byte) icm.getGreen(idx[i]);
                out[i * 3 + 2] = (byte) icm.getBlue(idx[i]);
            }
            return new RgbImage(w, h, out);
        }
        int colorBands = cm.getNumColorComponents();
        if (colorBands == 4 && cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK) return null; // caller converts
        if (colorBands != 1 && colorBands != 3) {
            throw new ImageDecodeException(source, "unsupported colour model with " + colorBands + " colour components");
        }
        int[][] samples = new int[colorBands][];
        for (int b = 0; b < colorBands; b++) samples[b] = r.getSamples(0, 0, w, h, b, (int[]) null);
        for (int i = 0; i < w * h; i++) {
            for (int c = 0; c < 3; c++) {
                int v = samples[colorBands == 1 ? 0 : c][i];
                if (bits > 8) {
                    // Pillow opens 16-bit grey as mode I and clips it to 255 in convert('RGB'); 16-bit RGB keeps the high byte.
                    v = colorBands == 1 ? Math.min(v, 255) : v >> (bits - 8);
                } else if (bits < 8) {
                    v = v * 255 / ((1 << bits) - 1); // 1/2/4-bit grey scaled as Pillow's unpackers do
                }
                out[i * 3 + c] = (byte) v;
            }
        }
        if (bands > colorBands + (cm.hasAlpha() ? 1 : 0)) {
            throw new ImageDecodeException(source, "unsupported raster with " + bands + " bands");
        }
        return new RgbImage(w, h, out);
    }

    /**
     * CMYK/YCCK JPEG, which ImageIO cannot convert: the raw CMYK raster, always inverted (Pillow reads every
     * 4-component JPEG as "CMYK;I", "assume adobe conventions", with or without the Adobe APP14 marker), then
     * Pillow's cmyk2rgb: v = 255 − k', out = v − v·c/255 (rounded as MULDIV255).
     */
    private static RgbImage cmykJpeg(ImageReader reader, byte[] bytes, String source) throws IOException {
        return cmykJpeg(reader.readRaster(0, null), bytes, source);
    }

    private static RgbImage cmykJpeg(Raster r, byte[] bytes, String source) throws IOException {
        if (r.getNumBands() != 4) throw new ImageDecodeException(source, "unsupported JPEG with " + r.getNumBands() + " components");
        int w = r.getWidth(), h = r.getHeight();
        int[][] s = new int[4][];
        for (int b = 0; b < 4; b++) s[b] = r.getSamples(0, 0, w, h, b, (int[]) null);
        byte[] out = new byte[w * h * 3];
        for (int i = 0; i < w * h; i++) {
            int k = 255 - s[3][i];
            int nk = 255 - k;
            for (int c = 0; c < 3; c++) {
                int v = 255 - s[c][i];
                int tmp = v * nk + 128;
                int mul = ((tmp >> 8) + tmp) >> 8;
                out[i * 3 + c] = (byte) Math.max(0, Math.min(255, nk - mul));
            }
        }
        return new RgbImage(w, h, out);
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
