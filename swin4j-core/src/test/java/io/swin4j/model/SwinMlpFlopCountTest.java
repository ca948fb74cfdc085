package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * FlopCount of every Swin-MLP preset (and of the two MLP fixture configs) equals the official
 * {@code SwinMLP.flops()} (fixtures/flops/family_flops.json, tools/reference/make_family_fixtures.py). Pure Java.
 */
class SwinMlpFlopCountTest {

    private static final JsonNode CONFIGS =
            Fixtures.json(Fixtures.root().resolve("flops/family_flops.json")).get("configs");

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    @Test
    void everyMlpPresetCountsAsTheOfficialFlops() {
        List<String> presets = new ArrayList<>();
        for (String name : SwinConfig.presetNames()) {
            SwinConfig c = SwinConfig.preset(name);
            if (c.family() != SwinConfig.Family.MLP) continue;
            JsonNode ref = CONFIGS.get(name);
            assertThat(ref).as(name + " in family_flops.json").isNotNull();
            assertThat(ref.get("family").asText()).isEqualTo("mlp");
            // the preset is the architecture the official yaml builds
            assertThat(c.imgSize()).as(name).isEqualTo(ref.get("img_size").asInt());
            assertThat(c.embedDim()).as(name).isEqualTo(ref.get("embed_dim").asInt());
            assertThat(c.depths()).as(name).containsExactly(ints(ref.get("depths")));
            assertThat(c.numHeads()).as(name).containsExactly(ints(ref.get("num_heads")));
            assertThat(c.windowSize()).as(name).isEqualTo(ref.get("window_size").asInt());
            assertThat(c.numClasses()).as(name).isEqualTo(ref.get("num_classes").asInt());
            assertThat(FlopCount.macs(c)).as(name).isEqualTo(ref.get("flops").asDouble());
            presets.add(name);
        }
        assertThat(presets).containsExactlyInAnyOrder("swin_mlp_tiny_c24_patch4_window8_256",
                "swin_mlp_tiny_c12_patch4_window8_256", "swin_mlp_tiny_c6_patch4_window8_256",
                "swin_mlp_base_patch4_window7_224");
    }

    @Test
    void fixtureConfigsCountAsTheOfficialFlops() {
        for (Map.Entry<String, Integer> e : Map.of("mlp_tiny_fixture", 64, "mlp_grad_micro", 32).entrySet()) {
            JsonNode ref = CONFIGS.get(e.getKey());
            SwinConfig c = SwinConfig.builder().optFamily(SwinConfig.Family.MLP).optImgSize(e.getValue())
                    .optEmbedDim(ref.get("embed_dim").asInt()).optDepths(ints(ref.get("depths")))
                    .optNumHeads(ints(ref.get("num_heads"))).optWindowSize(ref.get("window_size").asInt())
                    .optNumClasses(ref.get("num_classes").asInt()).build();
            assertThat(FlopCount.macs(c)).as(e.getKey()).isEqualTo(ref.get("flops").asDouble());
        }
    }

    @Test
    void shiftedBlocksCountTheirZeroPaddedWindows() {
        // Swin-MLP-B 224, stage 0 (56×56, window 7, C 128): the shifted block mixes (56/7+1)² = 81 windows, the
        // unshifted one 64, each 128·49·49 MACs; the rest of the two blocks is the same.
        SwinConfig c = SwinConfig.preset("swin_mlp_base_patch4_window7_224");
        try (SwinTransformer declared = SwinTransformer.declare(c)) {
            SwinStage stage0 = declared.children().get("layers").children().values().stream()
                    .map(SwinStage.class::cast).findFirst().orElseThrow();
            double unshifted = stage0.blocks.get(0).macs(56, 56), shifted = stage0.blocks.get(1).macs(56, 56);
            assertThat(shifted - unshifted).isEqualTo((81 - 64) * 128.0 * 49 * 49);
        }
    }
}
