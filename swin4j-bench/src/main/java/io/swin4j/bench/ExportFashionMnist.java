package io.swin4j.bench;

import io.swin4j.train.data.FashionMnist;
import io.swin4j.vision.RgbImage;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the first N Fashion-MNIST test images as PNG files (NNNNN-label.png), a folder of real images for the
 * batch benchmarks (bench/spark_scaling.sh). Usage: {@code ExportFashionMnist DIR N}.
 */
public final class ExportFashionMnist {

    private ExportFashionMnist() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ExportFashionMnist DIR N");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        FashionMnist.Split test = FashionMnist.test(FashionMnist.locate(null));
        int n = Math.min(Integer.parseInt(args[1]), test.count());
        int pixels = test.rows() * test.cols();
        for (int i = 0; i < n; i++) {
            byte[] rgb = new byte[pixels * 3];
            for (int p = 0; p < pixels; p++) {
                byte g = test.images()[i * pixels + p];
                rgb[3 * p] = g;
                rgb[3 * p + 1] = g;
                rgb[3 * p + 2] = g;
            }
            String label = FashionMnist.CLASSES.get(test.label(i)).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z]+", "-");
            Files.write(dir.resolve(String.format("%05d-%s.png", i, label)), new RgbImage(test.cols(), test.rows(), rgb).toPng());
        }
        System.out.println(n + " images -> " + dir);
    }
}
