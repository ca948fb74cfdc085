package io.swin4j.bench;

import io.swin4j.train.data.FashionMnist;
import io.swin4j.train.data.FashionMnistDataset;

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
        FashionMnistDataset test = new FashionMnistDataset(FashionMnist.test(FashionMnist.locate(null)), "test");
        int n = Math.min(Integer.parseInt(args[1]), test.size());
        for (int i = 0; i < n; i++) {
            String label = test.classNames().get(test.label(i)).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z]+", "-");
            Files.write(dir.resolve(String.format("%05d-%s.png", i, label)), test.image(i).toPng());
        }
        System.out.println(n + " images -> " + dir);
    }
}
