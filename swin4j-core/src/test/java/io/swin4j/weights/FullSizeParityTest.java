package io.swin4j.weights;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Full-size parity (Swin-T 224 torchvision + official, Swin-B 384 window 12 official) against references that
 * tools/reference/fullsize.sh generates with Debian torch into target/fullsize. Run by {@code -Pfullsize} only.
 */
@Tag("fullsize")
class FullSizeParityTest {

    @TestFactory
    Stream<DynamicTest> fullSizeCheckpointsMatchReferences() throws IOException {
        Path root = Path.of(System.getProperty("swin4j.fullsize", "target/fullsize"));
        assertThat(root).as("generate with tools/reference/fullsize.sh").isDirectory();
        List<Path> cases;
        try (Stream<Path> s = Files.list(root)) {
            cases = s.filter(p -> Files.exists(p.resolve("meta.json"))).sorted().toList();
        }
        assertThat(cases).isNotEmpty();
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
            long t0 = System.nanoTime();
            SwinWeights w = SwinWeights.load(dir.resolve(meta.get("weights").asText()), LoadOptions.defaults());
            ReferenceParityTest.compareAll(w, dir, meta, true);
            System.out.printf("fullsize %s: %s layout=%s ok in %.1f s%n", dir.getFileName(), w.config().name(),
                    w.layout(), (System.nanoTime() - t0) / 1e9);
        }));
    }
}
