package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Full-size parity of the official Swin V2 (swinv2_tiny_patch4_window8_256, random weights) against the reference
 * tools/reference/fullsize.sh generates with Debian torch into target/fullsize (case official_swinv2_tiny_w8_256),
 * as {@code io.swin4j.weights.FullSizeParityTest} does for V1, but built from the official file's parameters
 * directly (buffers dropped), without the weights loader. Run by {@code -Pfullsize} only.
 */
@Tag("fullsize")
class FullSizeV2ParityTest {

    @TestFactory
    Stream<DynamicTest> officialV2MatchesItsReference() throws IOException {
        Path root = Path.of(System.getProperty("swin4j.fullsize", "target/fullsize"));
        assertThat(root).as("generate with tools/reference/fullsize.sh").isDirectory();
        List<Path> cases;
        try (Stream<Path> s = Files.list(root)) {
            cases = s.filter(p -> Files.exists(p.resolve("meta.json"))).filter(p -> {
                JsonNode meta = Fixtures.json(p.resolve("meta.json"));
                return meta.path("family").asText().equals("v2") && meta.path("layout").asText().equals("official");
            }).sorted().toList();
        }
        assertThat(cases).as("official V2 cases in " + root).isNotEmpty();
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
            long t0 = System.nanoTime();
            SwinConfig config = SwinConfig.preset("swinv2_tiny_patch4_window8_256");
            Map<String, HostTensor> weights = V2Reference.officialParameters(dir.resolve(meta.get("weights").asText()));
            try (SwinTransformer model = SwinTransformer.fromWeights(config, weights)) {
                for (JsonNode set : meta.get("sets")) {
                    try (Tensor x = Tensors.fromHost(Fixtures.npy(dir.resolve(set.get("input").get("file").asText())));
                         SwinOutput out = model.forward(x, ForwardOptions.withStageFeatures())) {
                        Iterator<Map.Entry<String, JsonNode>> it = set.get("outputs").fields();
                        while (it.hasNext()) {
                            Map.Entry<String, JsonNode> e = it.next();
                            String name = e.getKey();
                            Tensor actual = switch (name) {
                                case "logits" -> out.logits();
                                case "embedding" -> out.embedding();
                                default -> out.stageFeatures().get(Integer.parseInt(name.substring("stage".length())));
                            };
                            HostTensor expected = Fixtures.npy(dir.resolve(e.getValue().get("file").asText()));
                            assertThat(Tensors.shape(actual)).as(name).containsExactly(expected.shape());
                            String what = dir.getFileName() + "/" + e.getValue().get("file").asText();
                            float[] ours = Tensors.toFloats(actual);
                            double rel = Fixtures.relativeError(ours, expected.data());
                            double maxAbs = V2Reference.maxAbs(ours, expected.data()), peak = 0;
                            for (float f : expected.data()) peak = Math.max(peak, Math.abs(f));
                            System.out.printf("  %-40s rel %.2e  max abs %.2e (largest |value| %.1f)%n", what, rel,
                                    maxAbs, peak);
                            assertThat(rel).as(what + " rel").isLessThanOrEqualTo(1e-5);
                            // the project's 1e-4 is for values of order 1: V2's residual stream grows to ±20 here
                            assertThat(maxAbs).as(what + " max abs").isLessThanOrEqualTo(1e-4 * Math.max(1, peak));
                        }
                    }
                }
            }
            System.out.printf("fullsize %s: %s ok in %.1f s%n", dir.getFileName(), config.name(),
                    (System.nanoTime() - t0) / 1e9);
        }));
    }
}
