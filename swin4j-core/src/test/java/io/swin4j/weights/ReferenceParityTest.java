package io.swin4j.weights;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.testing.Fixtures;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every checkpoint layout, loaded and run, equals the reference implementation's outputs (logits, embedding,
 * each stage) on the same input. Fixtures: tools/reference/make_parity_fixtures.py.
 */
class ReferenceParityTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"official", "timm", "torchvision", "hf", "mmdet", "official_batch3", "torchvision_nonmultiple"})
    void loadedCheckpointMatchesReference(String kase) throws Exception {
        Path dir = Fixtures.parity(kase);
        JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
        SwinWeights weights = SwinWeights.load(dir.resolve(meta.get("weights").asText()), LoadOptions.defaults());
        assertThat(weights.layout().name().toLowerCase()).startsWith(meta.get("layout").asText().replace("_v4", ""));
        compareAll(weights, dir, meta);
    }

    /** The official tiny checkpoint (window 4) resized to window 8 as the official load_pretrained does. */
    @org.junit.jupiter.api.Test
    void windowResizeMatchesOfficialLoadPretrained() throws Exception {
        Path dir = Fixtures.parity("official_window_resize");
        SwinWeights resized = SwinWeights.load(Fixtures.parity("official").resolve("official.pth"), LoadOptions.defaults())
                .withWindowSize(8);
        // resized_w8.pth holds the tables official load_pretrained resized (stages 0 and 1; the others keep their size)
        Map<String, HostTensor> reference = io.swin4j.weights.io.CheckpointReader.read(dir.resolve("resized_w8.pth")).tensors();
        assertThat(reference).hasSize(4);
        assertThat(resized.config().windowSize()).isEqualTo(8);
        for (Map.Entry<String, HostTensor> e : reference.entrySet()) {
            HostTensor ours = resized.tensors().get(e.getKey());
            assertThat(ours).as(e.getKey()).isNotNull();
            assertThat(ours.shape()).as(e.getKey()).containsExactly(e.getValue().shape());
            Fixtures.assertClose(e.getKey(), ours.data(), e.getValue().data());
        }
        compareAll(resized, dir, Fixtures.json(dir.resolve("meta.json")));
    }

    static void compareAll(SwinWeights weights, Path dir, JsonNode meta) {
        compareAll(weights, dir, meta, false);
    }

    static void compareAll(SwinWeights weights, Path dir, JsonNode meta, boolean print) {
        try (SwinTransformer model = weights.createModel()) {
            for (JsonNode set : meta.get("sets")) {
                try (Tensor x = Tensors.fromHost(Fixtures.npy(dir.resolve(set.get("input").get("file").asText())));
                     SwinOutput out = model.forward(x, ForwardOptions.withStageFeatures())) {
                    Iterator<Map.Entry<String, JsonNode>> it = set.get("outputs").fields();
                    int compared = 0;
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        String name = e.getKey();
                        Tensor actual = switch (name) {
                            case "logits" -> out.logits();
                            case "embedding" -> out.embedding();
                            default -> out.stageFeatures().get(Integer.parseInt(name.substring("stage".length())));
                        };
                        HostTensor expected = Fixtures.npy(dir.resolve(e.getValue().get("file").asText()));
                        assertThat(Tensors.shape(actual)).as(name + " shape").containsExactly(expected.shape());
                        double[] err = Fixtures.assertClose(dir.getFileName() + "/" + name, Tensors.toFloats(actual),
                                expected.data());
                        if (print) {
                            System.out.printf("  %-28s %-10s rel %.2e  max abs %.2e%n", dir.getFileName(), name, err[0], err[1]);
                        }
                        compared++;
                    }
                    assertThat(compared).isGreaterThanOrEqualTo(4);
                }
            }
        }
    }
}
