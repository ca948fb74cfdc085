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
}
