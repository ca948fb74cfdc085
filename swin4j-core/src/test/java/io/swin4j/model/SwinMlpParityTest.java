package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.geometry.WindowPlan;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.testing.ParitySets;
import io.swin4j.weights.io.CheckpointReader;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Swin-MLP built from the official state dict equals the official {@code models/swin_mlp.py SwinMLP}: logits,
 * embedding and every stage, batch 2 at 64×64 and the non-square 64×128 set (fixtures/parity/mlp_official, made by
 * tools/reference/make_family_fixtures.py). The canonical keys are the official state dict's.
 */
class SwinMlpParityTest {

    private static final Path DIR = Fixtures.parity("mlp_official");
    private static JsonNode meta;
    private static Map<String, HostTensor> official;

    @BeforeAll
    static void load() throws Exception {
        meta = Fixtures.json(DIR.resolve("meta.json"));
        official = CheckpointReader.read(DIR.resolve(meta.get("weights").asText())).tensors();
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    /** The fixture's architecture, field by field from its meta. */
    static SwinConfig config(JsonNode cfg) {
        return SwinConfig.builder().optName("mlp_fixture").optFamily(SwinConfig.Family.MLP)
                .optImgSize(cfg.get("img_size").asInt()).optPatchSize(cfg.get("patch_size").asInt())
                .optEmbedDim(cfg.get("embed_dim").asInt()).optDepths(ints(cfg.get("depths")))
                .optNumHeads(ints(cfg.get("num_heads"))).optWindowSize(cfg.get("window_size").asInt())
                .optMlpRatio(cfg.get("mlp_ratio").asDouble()).optNumClasses(cfg.get("num_classes").asInt())
                .optApe(cfg.get("ape").asBoolean()).optPatchNorm(cfg.get("patch_norm").asBoolean())
                .optDropRate(0).optAttnDropRate(0).optDropPathRate(0).build();
    }

    @Test
    void canonicalKeysAndShapesAreTheOfficialStateDict() {
        Map<String, long[]> ours = SwinTransformer.parameterShapes(config(meta.get("config")));
        assertThat(ours.keySet()).containsExactlyElementsOf(official.keySet());
        ours.forEach((k, shape) -> assertThat(shape).as(k).containsExactly(official.get(k).shape()));
        // the spatial MLP as the official Conv1d(heads·M², heads·M², 1, groups=heads): M = 4 in stages 0-2, 2 in 3
        assertThat(ours.get("layers.1.blocks.1.spatial_mlp.weight")).containsExactly(2 * 16, 16, 1);
        assertThat(ours.get("layers.3.blocks.0.spatial_mlp.bias")).containsExactly(8 * 4);
    }

    @Test
    void spatialMlpIsInitialisedAndDecayedAsTheOfficialModel() {
        // SwinMLP._init_weights: for nn.Linear and nn.Conv1d, trunc_normal_(weight, std=.02) and bias 0 (this replaces
        // PyTorch's default Conv1d init); set_weight_decay: no decay for 1-D parameters.
        SwinConfig config = config(meta.get("config"));
        try (SwinTransformer declared = SwinTransformer.declare(config)) {
            Map<String, Param> params = declared.namedParams();
            Param weight = params.get("layers.0.blocks.1.spatial_mlp.weight");
            Param bias = params.get("layers.0.blocks.1.spatial_mlp.bias");
            assertThat(weight.init()).isEqualTo(new Init(Init.Kind.NORMAL, 0.02));
            assertThat(bias.init()).isEqualTo(new Init(Init.Kind.ZEROS, 0));
            assertThat(declared.noWeightDecay()).contains("layers.0.blocks.1.spatial_mlp.bias")
                    .doesNotContain("layers.0.blocks.1.spatial_mlp.weight");
            assertThat(declared.parameterGroups().get("layers.2.blocks.0.spatial_mlp.weight")).isEqualTo(3);
        }
    }

    @Test
    void blockWindowsAreTheOnesTheReferenceUsed() {
        SwinConfig config = config(meta.get("config"));
        try (SwinTransformer declared = SwinTransformer.declare(config)) {
            checkWindows(declared, meta.get("block_windows"));
            checkWindows(declared, meta.get("sets").get(1).get("block_windows"));
        }
    }

    private static void checkWindows(SwinTransformer model, JsonNode stages) {
        int s = 0;
        for (JsonNode stage : stages) {
            int h = stage.get("resolution").get(0).asInt(), w = stage.get("resolution").get(1).asInt();
            Module stageModule = model.children().get("layers").children().get(String.valueOf(s));
            Module blocks = stageModule.children().get("blocks");
            int j = 0;
            for (JsonNode expected : stage.get("blocks")) {
                WindowPlan p = ((SwinBlock) blocks.children().get(String.valueOf(j))).windows(h, w);
                assertThat(new int[] {p.windowH(), p.windowW(), p.shiftH(), p.shiftW()})
                        .as("stage %d block %d at %dx%d", s, j, h, w).containsExactly(ints(expected));
                j++;
            }
            s++;
        }
    }

    @Test
    void everyOutputOfEverySetEqualsTheOfficialModel() {
        SwinConfig config = config(meta.get("config"));
        try (SwinTransformer model = SwinTransformer.fromWeights(config, official)) {
            int[] compared = ParitySets.forEachOutput(model, DIR, meta, o -> {
                String what = o.set().get("input").get("shape") + " " + o.name();
                double[] err = Fixtures.assertClose(what, o.actual(), o.expected().data());
                System.out.printf("mlp_official %-20s %-9s rel %.2e  max abs %.2e%n",
                        o.set().get("input").get("shape"), o.name(), err[0], err[1]);
            });
            assertThat(compared).containsExactly(6, 6);
        }
    }

    @Test
    void attentionMapsAreRefusedWithAClearMessage() {
        SwinConfig config = config(meta.get("config"));
        try (SwinTransformer model = SwinTransformer.fromWeights(config, official);
             Tensor x = Tensors.fromHost(Fixtures.npy(DIR.resolve(meta.get("sets").get(0).get("input").get("file").asText())))) {
            assertThatThrownBy(() -> model.forward(x, ForwardOptions.DEFAULT.optAttention(new ForwardOptions.BlockId(0, 1))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no attention maps");
        }
    }
}
