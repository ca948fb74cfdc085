package io.swin4j.testing;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Small labelled image folders in the ImageNet layout (root/train/&lt;class&gt;, root/val/&lt;class&gt;) for training tests. */
public final class SyntheticImages {

    private SyntheticImages() {}

    /**
     * Writes {@code perClassTrain} and {@code perClassVal} PNGs of {@code size}×{@code size} per class; class k is
     * stripes at angle k·π/classes with noise, so that the classes are learnable.
     */
    public static Path imageFolder(Path root, int classes, int perClassTrain, int perClassVal, int size, long seed) throws IOException {
        Random rng = new Random(seed);
        for (String split : new String[] {"train", "val"}) {
            int n = split.equals("train") ? perClassTrain : perClassVal;
            for (int k = 0; k < classes; k++) {
                Path dir = Files.createDirectories(root.resolve(split).resolve("class_" + (char) ('a' + k)));
                for (int i = 0; i < n; i++) {
                    ImageIO.write(stripes(size, Math.PI * k / classes, rng), "png", dir.resolve(String.format("img%03d.png", i)).toFile());
                }
            }
        }
        return root;
    }

    static BufferedImage stripes(int size, double angle, Random rng) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        double phase = rng.nextDouble() * 2 * Math.PI, cos = Math.cos(angle), sin = Math.sin(angle);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double v = 128 + 90 * Math.sin((x * cos + y * sin) * 0.9 + phase) + rng.nextGaussian() * 20;
                int g = (int) Math.max(0, Math.min(255, v));
                img.setRGB(x, y, (g << 16) | (Math.min(255, g + 20) << 8) | Math.max(0, g - 20));
            }
        }
        return img;
    }
}
