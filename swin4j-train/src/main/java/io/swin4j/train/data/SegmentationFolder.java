package io.swin4j.train.data;

import io.swin4j.vision.ImageDecodeException;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A semantic-segmentation set in folders, as mmseg lays them out: {@code root/images/<split>/NAME.<ext>} with
 * {@code root/masks/<split>/NAME.png}, the mask holding one class index per pixel as 8-bit grey or as a palette PNG's
 * indices; {@link #IGNORE} (255) marks pixels no loss or metric counts. Images decode through swin4j's decoder (with
 * its limits); masks are checked against the image's size, the pixel limit and the class count when read, and every
 * failure names the file.
 */
public final class SegmentationFolder {

    /** Mask value of pixels that are not scored. */
    public static final int IGNORE = 255;

    /** An image and its mask (row-major, height × width, values in [0, classes) or {@link #IGNORE}). */
    public record Sample(RgbImage image, byte[] mask) {}

    private final List<Path> images = new ArrayList<>(), masks = new ArrayList<>();
    private final int classes;
    private final ImageDecoder decoder;

    /**
     * @throws NoSuchFileException when the split's image folder is missing, or an image has no mask (named)
     */
    public SegmentationFolder(Path root, String split, int classes, ImageDecoder decoder) throws IOException {
        if (classes < 1 || classes > IGNORE) throw new IllegalArgumentException("classes must be in [1, 255], got " + classes);
        this.classes = classes;
        this.decoder = decoder;
        Path imageDir = root.resolve("images").resolve(split), maskDir = root.resolve("masks").resolve(split);
        if (!Files.isDirectory(imageDir)) throw new NoSuchFileException(imageDir.toString(), null, "no image folder for split " + split);
        try (Stream<Path> s = Files.list(imageDir)) {
            for (Path image : s.filter(Files::isRegularFile).filter(ImageFolderDataset::isImage).sorted().toList()) {
                String name = image.getFileName().toString();
                Path mask = maskDir.resolve(name.substring(0, name.lastIndexOf('.')) + ".png");
                if (!Files.isRegularFile(mask)) throw new NoSuchFileException(mask.toString(), null, "the mask of " + image + " is missing");
                images.add(image);
                masks.add(mask);
            }
        }
    }

    public int size() { return images.size(); }

    public int classes() { return classes; }

    /** The image file of sample {@code i}, for messages. */
    public String source(int i) { return images.get(i).toString(); }

    /** Sample {@code i}, decoded and checked; safe for concurrent calls. */
    public Sample sample(int i) throws IOException {
        RgbImage image = decoder.decode(images.get(i));
        byte[] mask = readMask(masks.get(i), image.width(), image.height(), classes, decoder.maxPixels());
        return new Sample(image, mask);
    }

    /** The class indices of an 8-bit grey or palette PNG of {@code width}×{@code height}, each < classes or 255. */
    static byte[] readMask(Path file, int width, int height, int classes, long maxPixels) throws IOException {
        String source = file.toString();
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) throw new ImageDecodeException(source, "not an image ImageIO can read");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) {
                    throw new ImageDecodeException(source, "mask of " + pixels + " pixels exceeds the limit of " + maxPixels);
                }
                img = reader.read(0);
            } catch (RuntimeException e) {
                throw new ImageDecodeException(source, "corrupt mask: " + e.getMessage(), e);
            } finally {
                reader.dispose();
            }
        }
        boolean grey = img.getType() == BufferedImage.TYPE_BYTE_GRAY && img.getColorModel().getComponentSize(0) == 8;
        boolean palette = img.getColorModel() instanceof IndexColorModel && img.getRaster().getNumBands() == 1;
        if (!grey && !palette) {
            throw new ImageDecodeException(source, "a mask must be an 8-bit grey or palette PNG of class indices");
        }
        if (img.getWidth() != width || img.getHeight() != height) {
            throw new ImageDecodeException(source, "mask is " + img.getWidth() + "x" + img.getHeight() + ", its image "
                    + width + "x" + height);
        }
        int[] values = img.getRaster().getSamples(0, 0, width, height, 0, (int[]) null);
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            int v = values[i];
            if (v >= classes && v != IGNORE) {
                throw new ImageDecodeException(source, "class index " + v + " at (" + i % width + ", " + i / width
                        + ") is not below " + classes + " nor the ignore index " + IGNORE);
            }
            out[i] = (byte) v;
        }
        return out;
    }
}
