package io.swin4j.bench;

import java.util.List;

import io.swin4j.train.data.FashionMnist;
import io.swin4j.train.data.FashionMnistDataset;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the first N Fashion-MNIST test (or training) images as PNG files (NNNNN-label.png), a folder of real images
 * for the batch benchmarks (bench/spark_scaling.sh) and for int8 calibration (training images: calibrating on the
 * test set would score on what was calibrated). Usage: {@code ExportFashionMnist DIR N [test|train]}.
 */
public final class ExportFashionMnist {

    private ExportFashionMnist() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3 || (args.length == 3 && !List.of("test", "train").contains(args[2]))) {
            System.err.println("usage: ExportFashionMnist DIR N [test|train]");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        boolean train = args.length == 3 && args[2].equals("train");
        Path root = FashionMnist.locate(null);
        FashionMnistDataset test = new FashionMnistDataset(train ? FashionMnist.train(root) : FashionMnist.test(root),
                train ? "train" : "test");
        int n = Math.min(Integer.parseInt(args[1]), test.size());
        for (int i = 0; i < n; i++) {
            String label = test.classNames().get(test.label(i)).toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z]+", "-");
            Files.write(dir.resolve(String.format("%05d-%s.png", i, label)), test.image(i).toPng());
        }
        System.out.println(n + " images -> " + dir);
    }
}
