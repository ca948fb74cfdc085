package io.swin4j.vision;

/**
 * An 8-bit RGB image, pixels row-major, channels interleaved (R, G, B): Pillow's "RGB" mode.
 *
 * @param rgb width·height·3 bytes
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0 || rgb.length != 3L * width * height) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " needs " + 3L * width * height
                    + " bytes, got " + rgb.length);
        }
    }

    /** Channel {@code c} of pixel (x, y) as 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** As PNG bytes (lossless), e.g. to show a client the image the model saw. */
    public byte[] toPng() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        int[] argb = new int[width * height];
        for (int i = 0; i < argb.length; i++) {
            argb[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
        }
        img.setRGB(0, 0, width, height, argb, 0, width);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream ios = new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
            javax.imageio.ImageIO.write(img, "png", ios); // in memory: no ImageIO cache file
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // in-memory stream: cannot happen
        }
        return out.toByteArray();
    }
}
