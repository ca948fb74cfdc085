package io.swin4j.weights;

import io.swin4j.tensor.HostTensor;
import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.model.SwinTransformer;
import io.swin4j.testing.Fixtures;
import io.swin4j.testing.ParitySets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every checkpoint layout, loaded and run, equals the reference implementation's outputs (logits, embedding,
 * each stage) on the same input. Fixtures: tools/reference/make_parity_fixtures.py.
 */
class ReferenceParityTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"official", "timm", "torchvision", "hf", "mmdet", "official_batch3", "torchvision_nonmultiple",
            "official_w7", "torchvision_w7"})
    void loadedCheckpointMatchesReference(String kase) throws Exception {
        Path dir = Fixtures.parity(kase);
        JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
        SwinWeights weights = SwinWeights.load(dir.resolve(meta.get("weights").asText()), LoadOptions.defaults());
        // meta "hf_v4" is Layout.HF (HF_V5 is another layout and must not pass for it)
        String layout = meta.get("layout").asText().equals("hf_v4") ? "HF" : meta.get("layout").asText().toUpperCase();
        assertThat(weights.layout().name()).isEqualTo(layout);
        assertThat(weights.report().isClean()).as(weights.report().toString()).isTrue();
        // the geometry the reference used: image size, embed dim, window
        JsonNode cfg = meta.get("config");
        assertThat(weights.config().embedDim()).isEqualTo(cfg.get("embed_dim").asInt());
        int window = cfg.get("window_size").isArray() ? cfg.get("window_size").get(0).asInt() : cfg.get("window_size").asInt();
        assertThat(weights.config().windowSize()).isEqualTo(window);
        compareAll(weights, dir, meta);
    }

    /**
     * Swin-T's geometry (224 px, window 7: stage maps 56/28/14/7, shift 3 in stages 0-2, one unshifted 7x7 window
     * in stage 3) at reduced width, in both layouts, is what the two w7 cases above check; their meta must say so,
     * or they would not be checking it.
     */
    @org.junit.jupiter.api.Test
    void window7CasesHaveSwinTGeometry() {
        for (String kase : new String[] {"official_w7", "torchvision_w7"}) {
            JsonNode meta = Fixtures.json(Fixtures.parity(kase).resolve("meta.json"));
            assertThat(meta.get("config").get("img_size").asInt()).as(kase).isEqualTo(224);
            JsonNode stages = meta.get("block_windows");
            int[] res = {56, 28, 14, 7};
            for (int i = 0; i < 4; i++) {
                assertThat(stages.get(i).get("resolution").toString()).as(kase).isEqualTo("[" + res[i] + "," + res[i] + "]");
                String shift = i < 3 ? "3" : "0";
                assertThat(stages.get(i).get("blocks").get(1).toString()).as(kase + " stage " + i)
                        .isEqualTo("[7,7," + shift + "," + shift + "]");
            }
            assertThat(meta.get("sets").get(0).get("outputs").has("logits")).isTrue();
        }
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
            int[] compared = ParitySets.forEachOutput(model, dir, meta, o -> {
                double[] err = Fixtures.assertClose(dir.getFileName() + "/" + o.name(), o.actual(), o.expected().data());
                if (print) {
                    System.out.printf("  %-28s %-10s rel %.2e  max abs %.2e%n", dir.getFileName(), o.name(), err[0], err[1]);
                }
            });
            for (int c : compared) assertThat(c).isGreaterThanOrEqualTo(4);
        }
    }
}
