package io.swin4j.train.data;

import io.swin4j.vision.PillowResize;
import io.swin4j.vision.RgbImage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A semantic-segmentation dataset anyone can make here (issue 20): Fashion-MNIST items pasted at random positions,
 * scales and overlaps onto textured backgrounds, each item tinted a random colour; the mask holds the class of the
 * item on top at each pixel (the item's class + 1; 0 is the background), where the item's grey value is at least
 * {@link #FOREGROUND} of white. Scenes are a pure function of the items and the seed. Written as mmseg-style folders:
 * {@code images/<split>/NNNNN.png} (RGB) and {@code masks/<split>/NNNNN.png} (8-bit grey class indices), with the
 * class names in {@code classes.txt}.
 */
public final class FashionMnistScenes {

    /** Background, then Fashion-MNIST's ten classes: 11 classes. */
    public static final List<String> CLASSES;

    static {
        List<String> c = new ArrayList<>();
        c.add("background");
        c.addAll(FashionMnist.CLASSES);
        CLASSES = List.copyOf(c);
    }

    /** Item pixels at least this bright (of 255) belong to the item in the mask: the items' dark fringe does not. */
    public static final int FOREGROUND = 64;
    /** Items are scaled from 28 pixels by a factor in [MIN_SCALE, MAX_SCALE). */
    public static final double MIN_SCALE = 1.0, MAX_SCALE = 2.5;

    private FashionMnistScenes() {}

    /**
     * One scene.
     *
     * @param mask   class index per pixel, row-major (height × width)
     * @param labels the Fashion-MNIST class of each pasted item, in pasting order (later items cover earlier ones)
     */
    public record Scene(RgbImage image, byte[] mask, List<Integer> labels) {}

    /** A scene of side×side pixels with 1 to 4 items drawn from {@code items}, reproducible from {@code rng}'s state. */
    public static Scene scene(FashionMnist.Split items, int side, Random rng) {
        if (side < 28) throw new IllegalArgumentException("scene side must be >= 28, got " + side);
        byte[] rgb = background(side, rng);
        byte[] mask = new byte[side * side];
        int n = 1 + rng.nextInt(4);
        List<Integer> labels = new ArrayList<>();
        int cell = items.rows() * items.cols();
        for (int k = 0; k < n; k++) {
            int index = rng.nextInt(items.count());
            int size = (int) Math.round(items.cols() * (MIN_SCALE + (MAX_SCALE - MIN_SCALE) * rng.nextDouble()));
            int x0 = -size / 4 + rng.nextInt(Math.max(1, side - size / 2)), y0 = -size / 4 + rng.nextInt(Math.max(1, side - size / 2));
            int[] tint = {64 + rng.nextInt(192), 64 + rng.nextInt(192), 64 + rng.nextInt(192)};
            byte[] grey = new byte[cell * 3];
            for (int i = 0; i < cell; i++) grey[3 * i] = grey[3 * i + 1] = grey[3 * i + 2] = items.images()[index * cell + i];
            RgbImage item = PillowResize.resize(new RgbImage(items.cols(), items.rows(), grey), size, size,
                    PillowResize.Filter.BILINEAR);
            int label = items.label(index);
            labels.add(label);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int sx = x0 + x, sy = y0 + y;
                    if (sx < 0 || sy < 0 || sx >= side || sy >= side) continue;
                    int a = item.get(x, y, 0), p = (sy * side + sx) * 3;
                    for (int c = 0; c < 3; c++) {
                        int bg = rgb[p + c] & 0xff;
                        rgb[p + c] = (byte) ((bg * (255 - a) + tint[c] * a + 127) / 255);
                    }
                    if (a >= FOREGROUND) mask[sy * side + sx] = (byte) (label + 1);
                }
            }
        }
        return new Scene(new RgbImage(side, side, rgb), mask, List.copyOf(labels));
    }

    /** Stripes at a random angle and period, a checkerboard, or a smooth blend of waves, in two random colours. */
    private static byte[] background(int side, Random rng) {
        int[] c0 = {rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)}, c1 = {rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)};
        int kind = rng.nextInt(3);
        double angle = rng.nextDouble() * Math.PI, period = 4 + rng.nextDouble() * 12;
        double fx = rng.nextDouble() * 0.3, fy = rng.nextDouble() * 0.3, phase = rng.nextDouble() * 2 * Math.PI;
        byte[] rgb = new byte[side * side * 3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double t = switch (kind) {
                    case 0 -> {
                        double u = (x * Math.cos(angle) + y * Math.sin(angle)) / period;
                        yield u - Math.floor(u) < 0.5 ? 0 : 1;
                    }
                    case 1 -> ((int) (x / period) + (int) (y / period)) % 2;
                    default -> 0.5 + 0.25 * Math.sin(fx * x + phase) + 0.25 * Math.cos(fy * y - phase);
                };
                for (int c = 0; c < 3; c++) rgb[(y * side + x) * 3 + c] = (byte) Math.round(c0[c] * (1 - t) + c1[c] * t);
            }
        }
        return rgb;
    }

    /** Writes {@code count} scenes of one split (seeded) under {@code root}: images/SPLIT/NNNNN.png, masks/SPLIT/NNNNN.png. */
    public static void write(Path root, String split, FashionMnist.Split items, int count, int side, long seed)
            throws IOException {
        Path images = Files.createDirectories(root.resolve("images").resolve(split));
        Path masks = Files.createDirectories(root.resolve("masks").resolve(split));
        Files.write(root.resolve(SegmentationClassFile.FILE), (String.join("\n", CLASSES) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Random rng = new Random(seed);
        for (int i = 0; i < count; i++) {
            Scene s = scene(items, side, rng);
            String name = String.format("%05d.png", i);
            Files.write(images.resolve(name), s.image().toPng());
            Files.write(masks.resolve(name), greyPng(s.mask(), side, side));
        }
    }

    /** 8-bit grey PNG of class indices. */
    static byte[] greyPng(byte[] values, int width, int height) {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, width, height, values);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream ios = new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
            javax.imageio.ImageIO.write(img, "png", ios);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        return out.toByteArray();
    }

    /**
     * {@code FashionMnistScenes DIR [TRAIN (2000)] [VAL (500)] [SIDE (64)] [SEED (0)]}: training scenes from Fashion-MNIST's
     * training items, validation scenes from its test items.
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 5) {
            System.err.println("usage: FashionMnistScenes DIR [TRAIN (2000)] [VAL (500)] [SIDE (64)] [SEED (0)]");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        int train = args.length > 1 ? Integer.parseInt(args[1]) : 2000, val = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        int side = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        long seed = args.length > 4 ? Long.parseLong(args[4]) : 0;
        Path fm = FashionMnist.locate(null);
        write(root, "train", FashionMnist.train(fm), train, side, seed);
        write(root, "val", FashionMnist.test(fm), val, side, seed + 1);
        System.out.println(train + " training and " + val + " validation scenes of " + side + "x" + side + " -> " + root);
    }
}
