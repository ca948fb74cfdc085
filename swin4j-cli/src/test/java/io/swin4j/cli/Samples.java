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

    /** "0019-t-shirt-top.png" → "t-shirt-top". */
    static String trueClass(Path sample) {
        return sample.getFileName().toString().replaceFirst("^\\d+-", "").replace(".png", "");
    }
}
