package io.swin4j.vision;

import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A class index per pixel: a segmentation model's answer at the size of its input image (or a ground-truth mask).
 * It writes itself as a palette PNG (the class index is the pixel value, the palette only colours it, as mmseg and
 * PASCAL VOC store masks), colours itself, lays itself over the image, and counts its classes.
 *
 * @param labels row-major class indices, each 0..255 ({@code width·height} of them)
 */
public record LabelMap(int width, int height, byte[] labels) {

    public LabelMap {
        if (width <= 0 || height <= 0 || labels.length != (long) width * height) {
            throw new IllegalArgumentException("label map " + width + "x" + height + " needs " + (long) width * height
                    + " labels, got " + labels.length);
        }
    }

    /** The class at (x, y). */
    public int get(int x, int y) {
        return labels[y * width + x] & 0xff;
    }

    /**
     * The fraction of the pixels of each class 0..classes-1 (values at or above {@code classes}, e.g. an ignore index,
     * are counted in no class).
     */
    public double[] classFractions(int classes) {
        long[] counts = new long[classes];
        for (byte b : labels) {
            int v = b & 0xff;
            if (v < classes) counts[v]++;
        }
        double[] out = new double[classes];
        double n = labels.length;
        for (int i = 0; i < classes; i++) out[i] = counts[i] / n;
        return out;
    }

    /**
     * An 8-bit palette PNG whose pixel values are the class indices and whose colour table is {@code palette}
     * (Pillow reads it as mode "P"; {@code np.array(Image.open(f))} gives the classes back).
     */
    public byte[] toPalettePng(Palette palette) {
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        for (int i = 0; i < 256; i++) {
            int[] c = palette.rgb(i);
            r[i] = (byte) c[0];
            g[i] = (byte) c[1];
            b[i] = (byte) c[2];
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, r, g, b));
        byte[] data = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        System.arraycopy(labels, 0, data, 0, labels.length);
        return png(img);
    }

    /** Each pixel in its class's colour. */
    public RgbImage colorize(Palette palette) {
        int[][] lut = lookup(palette);
        byte[] rgb = new byte[labels.length * 3];
        for (int i = 0; i < labels.length; i++) {
            int[] c = lut[labels[i] & 0xff];
            rgb[3 * i] = (byte) c[0];
            rgb[3 * i + 1] = (byte) c[1];
            rgb[3 * i + 2] = (byte) c[2];
        }
        return new RgbImage(width, height, rgb);
    }

    /**
     * The colour map blended over {@code image}: {@code uint8(image·(1 − opacity) + colour·opacity)} per channel, mmseg's
     * {@code show_result} (default opacity 0.5).
     */
    public RgbImage overlay(RgbImage image, Palette palette, double opacity) {
        if (image.width() != width || image.height() != height) {
            throw new IllegalArgumentException("the label map is " + width + "x" + height + ", the image "
                    + image.width() + "x" + image.height());
        }
        if (!(opacity >= 0 && opacity <= 1)) throw new IllegalArgumentException("opacity must be in [0, 1], got " + opacity);
        int[][] lut = lookup(palette);
        byte[] src = image.rgb();
        byte[] out = new byte[src.length];
        for (int i = 0; i < labels.length; i++) {
            int[] c = lut[labels[i] & 0xff];
            for (int k = 0; k < 3; k++) {
                out[3 * i + k] = (byte) (int) ((src[3 * i + k] & 0xff) * (1 - opacity) + c[k] * opacity);
            }
        }
        return new RgbImage(width, height, out);
    }

    private static int[][] lookup(Palette palette) {
        int[][] lut = new int[256][];
        for (int i = 0; i < 256; i++) lut[i] = palette.rgb(i);
        return lut;
    }

    private static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            ImageIO.write(img, "png", ios); // in memory: no ImageIO cache file
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory stream: cannot happen
        }
        return out.toByteArray();
    }
}
