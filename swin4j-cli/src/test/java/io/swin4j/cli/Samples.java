package io.swin4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository's samples/ (tools/make_samples.py): one Fashion-MNIST test image per class, named NNNN-class.png. */
final class Samples {

    static final Path DIR = Path.of("..", "samples");

    private Samples() {}

    static List<Path> all() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    /** Skips (locally) or fails (on CI) unless Debian's Fashion-MNIST is installed: see {@code Required}. */
    static void requireFashionMnist() {
        boolean installed;
        try {
            io.swin4j.train.data.FashionMnist.locate(null);
            installed = true;
        } catch (IOException e) {
            installed = false;
        }
        io.swin4j.testing.Required.present(installed, "Fashion-MNIST", "apt-get install dataset-fashion-mnist");
    }

    /** "0019-t-shirt-top.png" → "t-shirt-top". */
    static String trueClass(Path sample) {
        return sample.getFileName().toString().replaceFirst("^\\d+-", "").replace(".png", "");
    }
}
