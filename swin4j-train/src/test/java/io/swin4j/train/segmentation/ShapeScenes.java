package io.swin4j.train.segmentation;

import io.swin4j.model.SwinConfig;
import io.swin4j.vision.RgbImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A small segmentation folder for tests: noisy backgrounds (class 0) with a reddish rectangle (class 1) and a bluish
 * disc (class 2) at random places and sizes, a few ignored (255) pixels, and classes.txt.
 */
public final class ShapeScenes {

    private ShapeScenes() {}

    public static Path write(Path root, int train, int val, int side, long seed) throws IOException {
        Files.writeString(Files.createDirectories(root).resolve("classes.txt"), "background\nrectangle\ndisc\n");
        Random rng = new Random(seed);
        for (String split : new String[] {"train", "val"}) {
            Path images = Files.createDirectories(root.resolve("images").resolve(split));
            Path masks = Files.createDirectories(root.resolve("masks").resolve(split));
            for (int i = 0; i < (split.equals("train") ? train : val); i++) {
                byte[] rgb = new byte[side * side * 3], mask = new byte[side * side];
                for (int p = 0; p < side * side; p++) {
                    int g = 90 + rng.nextInt(60);
                    rgb[3 * p] = (byte) g;
                    rgb[3 * p + 1] = (byte) (g + rng.nextInt(20));
                    rgb[3 * p + 2] = (byte) g;
                }
                int w = side / 4 + rng.nextInt(side / 3), h = side / 4 + rng.nextInt(side / 3);
                int x0 = rng.nextInt(side - w), y0 = rng.nextInt(side - h);
                for (int y = y0; y < y0 + h; y++) {
                    for (int x = x0; x < x0 + w; x++) paint(rgb, mask, side, x, y, 200 + rng.nextInt(40), 40, 40, 1);
                }
                int r = side / 8 + rng.nextInt(side / 6), cx = r + rng.nextInt(side - 2 * r), cy = r + rng.nextInt(side - 2 * r);
                for (int y = cy - r; y < cy + r; y++) {
                    for (int x = cx - r; x < cx + r; x++) {
                        if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r) paint(rgb, mask, side, x, y, 40, 60, 200 + rng.nextInt(40), 2);
                    }
                }
                for (int k = 0; k < 5; k++) mask[rng.nextInt(side * side)] = (byte) 255;
                String name = String.format("%04d.png", i);
                Files.write(images.resolve(name), new RgbImage(side, side, rgb).toPng());
                BufferedImage m = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
                m.getRaster().setDataElements(0, 0, side, side, mask);
                ImageIO.write(m, "png", masks.resolve(name).toFile());
            }
        }
        return root;
    }

    private static void paint(byte[] rgb, byte[] mask, int side, int x, int y, int r, int g, int b, int label) {
        int p = y * side + x;
        rgb[3 * p] = (byte) r;
        rgb[3 * p + 1] = (byte) g;
        rgb[3 * p + 2] = (byte) b;
        mask[p] = (byte) label;
    }

    /** A two-stage Swin small enough for tests: patch 4, window 4, embedding 16. */
    public static SwinConfig backbone() {
        return SwinConfig.builder().optName("seg_test").optImgSize(32).optPatchSize(4).optEmbedDim(16).optDepths(2, 2)
                .optNumHeads(1, 2).optWindowSize(4).build();
    }

    /** Settings for a short run on {@link #write}'s folder: crops of 32, 4 images per batch, evaluations every 3 iterations. */
    public static SegmentationTrainConfig config(Path data, int iterations) {
        SegmentationTrainConfig c = SegmentationTrainConfig.ade20k();
        c.model = backbone();
        c.data = data.toString();
        c.channels = 16;
        c.auxChannels = 8;
        c.auxInIndex = 1;
        c.dropPath = 0.1;
        c.imgScale = new int[] {160, 40};
        c.crop = new int[] {32, 32};
        c.batchSize = 4;
        c.iterations = iterations;
        c.warmupIters = 2;
        c.lr = 2e-3;
        c.evalInterval = 3;
        c.checkpointInterval = 3;
        c.logInterval = 1;
        c.workers = 2;
        c.threads = 1;
        return c;
    }
}
