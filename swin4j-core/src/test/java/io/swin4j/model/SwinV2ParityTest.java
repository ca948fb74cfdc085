package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.testing.ParitySets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The V2 model tree equals the official {@code models/swin_transformer_v2.py}: its parameter names, shapes and order
 * are the official state dict's (buffers aside), and its logits, embedding and every stage equal the official
 * model's on the fixtures of tools/reference/make_family_fixtures.py (v2_official: batch 2 and a non-square set;
 * v2_official_pretrained: pretrained windows 4,4,4,2 under window 8); the same tree under torchvision's size rule
 * equals torchvision's V2 (v2_torchvision: zero-padded windows at 72x100, no window shrink).
 */
class SwinV2ParityTest {

    @BeforeAll
    static void loadNatives() {
        io.swin4j.engine.NativeTorch.ensureLoaded();
    }

    private static Path officialFile() {
        return Fixtures.parity("v2_official").resolve("v2_official.pth");
    }

    @Test
    void parameterNamesShapesAndOrderAreTheOfficialStateDict() throws Exception {
        JsonNode meta = Fixtures.json(Fixtures.parity("v2_official").resolve("meta.json"));
        SwinConfig config = V2Reference.config("v2_official", meta.get("config"));
        Map<String, HostTensor> official = V2Reference.officialParameters(officialFile());
        Map<String, long[]> ours = SwinTransformer.parameterShapes(config);
        assertThat(new ArrayList<>(ours.keySet())).containsExactlyElementsOf(official.keySet());
        ours.forEach((k, shape) -> assertThat(shape).as(k).containsExactly(official.get(k).shape()));
        // the buffers really were there, and only they were dropped
        assertThat(V2Reference.officialTensors(officialFile()).size() - official.size()).isEqualTo(8 + 8 + 2);
        assertThat(ours).containsKeys("layers.0.blocks.0.attn.logit_scale", "layers.0.blocks.0.attn.cpb_mlp.0.weight",
                "layers.0.blocks.0.attn.cpb_mlp.0.bias", "layers.0.blocks.0.attn.cpb_mlp.2.weight",
                "layers.0.blocks.0.attn.q_bias", "layers.0.blocks.0.attn.v_bias");
        assertThat(ours).doesNotContainKeys("layers.0.blocks.0.attn.qkv.bias", "layers.0.blocks.0.attn.cpb_mlp.2.bias");
    }

    /**
     * Logits, embedding and every stage, against the official model run in float64 on the same weights and input
     * (fixtures/v2_float64): within 1e-5, or within {@link V2Reference#NOISE_FACTOR}× the official float32 file's own
     * distance to it where that is larger (stages 2-3, logits: the official float32 is 2e-5 to 2e-4 off there).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v2_official", "v2_official_pretrained", "v2_torchvision"})
    void outputsEqualTheReferenceModel(String kase) throws Exception {
        V2Reference.requireCurrentFloat64References();
        Path dir = Fixtures.parity(kase);
        JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
        assertThat(meta.get("family").asText()).isEqualTo("v2");
        boolean torchvision = kase.equals("v2_torchvision");
        assertThat(meta.get("layout").asText()).isEqualTo(torchvision ? "torchvision" : "official");
        SwinConfig config = torchvision ? torchvisionConfig(meta.get("config")) : V2Reference.config(kase, meta.get("config"));
        assertThat(config.pretrainedWindowSizes()).containsExactly(V2Reference.ints(meta.get("pretrained_window_sizes")));
        Map<String, HostTensor> weights = torchvision
                ? V2Reference.torchvisionToOfficial(V2Reference.officialTensors(dir.resolve(meta.get("weights").asText())))
                : V2Reference.officialParameters(dir.resolve(meta.get("weights").asText()));
        try (SwinTransformer model = SwinTransformer.fromWeights(config, weights)) {
            for (JsonNode set : meta.get("sets")) {
                checkWindows(model, set.has("block_windows") ? set.get("block_windows") : meta.get("block_windows"));
            }
            int[] compared = ParitySets.forEachOutput(model, dir, meta, o -> {
                HostTensor official32 = o.expected();
                HostTensor exact = Fixtures.npy(V2Reference.float64Root().resolve(kase).resolve(o.file()));
                assertThat(exact.shape()).as(o.name() + " float64 shape").containsExactly(official32.shape());
                double[] err = V2Reference.assertAsExactAsOfficial(kase + "/" + o.file(), o.actual(),
                        official32.data(), exact.data(), 1e-5);
                System.out.printf("%s/%-20s ours vs float64 %.2e, official float32 vs float64 %.2e, "
                        + "ours vs official float32 %.2e%n", kase, o.file(), err[0], err[1], err[2]);
            });
            assertThat(compared).containsExactly(kase.equals("v2_official_pretrained") ? new int[] {6} : new int[] {6, 6});
        }
    }

    /** torchvision's V2 as the fixture builds it: its size rule (no window shrink, zero padding, per-axis shift). */
    private static SwinConfig torchvisionConfig(JsonNode c) {
        assertThat(c.get("block").asText()).isEqualTo("SwinTransformerBlockV2");
        return SwinConfig.builder().optName("v2_torchvision").optFamily(SwinConfig.Family.V2)
                .optSizeRule(io.swin4j.geometry.SizeRule.TORCHVISION).optImgSize(c.get("img_size").asInt())
                .optPatchSize(c.get("patch_size").get(0).asInt()).optEmbedDim(c.get("embed_dim").asInt())
                .optDepths(V2Reference.ints(c.get("depths"))).optNumHeads(V2Reference.ints(c.get("num_heads")))
                .optWindowSize(c.get("window_size").get(0).asInt()).optMlpRatio(c.get("mlp_ratio").asDouble())
                .optNumClasses(c.get("num_classes").asInt()).optDropPathRate(0).build();
    }

    /** The windows and shifts of every block are the reference's (meta block_windows). */
    private static void checkWindows(SwinTransformer model, JsonNode stages) {
        List<SwinStage> all = model.children().get("layers").children().values().stream()
                .map(SwinStage.class::cast).toList();
        assertThat(all).hasSize(stages.size());
        for (int s = 0; s < stages.size(); s++) {
            int h = stages.get(s).get("resolution").get(0).asInt(), w = stages.get(s).get("resolution").get(1).asInt();
            for (int j = 0; j < stages.get(s).get("blocks").size(); j++) {
                var plan = all.get(s).blocks.get(j).windows(h, w);
                assertThat(new int[] {plan.windowH(), plan.windowW(), plan.shiftH(), plan.shiftW()})
                        .as("stage %d block %d", s, j).containsExactly(V2Reference.ints(stages.get(s).get("blocks").get(j)));
            }
        }
    }
}
