package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.geometry.SizeRule;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MAC count of every V2 preset (and of the V2 fixture configs) equals the official
 * {@code SwinTransformerV2.flops()} (fixtures/flops/family_flops.json, tools/reference/make_family_fixtures.py),
 * and each preset has the geometry of its official config. Pure Java: no libtorch.
 */
class SwinV2FlopCountTest {

    /** The preset of a family_flops.json key: the official config name, or torchvision_swin_v2_t → swin_v2_t. */
    private static String presetName(String key) {
        return key.startsWith("torchvision_") ? key.substring("torchvision_".length()) : key;
    }

    @Test
    void everyV2PresetEqualsTheOfficialCount() {
        JsonNode configs = Fixtures.json(Fixtures.root().resolve("flops/family_flops.json")).get("configs");
        int presets = 0, fixtures = 0;
        Iterator<Map.Entry<String, JsonNode>> it = configs.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode c = e.getValue();
            if (!c.get("family").asText().equals("v2")) continue;
            double expected = c.get("flops").asDouble();
            String name = presetName(e.getKey());
            if (SwinConfig.presetNames().contains(name)) {
                SwinConfig preset = SwinConfig.preset(name);
                assertThat(preset.family()).as(name).isEqualTo(SwinConfig.Family.V2);
                assertThat(preset.imgSize()).as(name).isEqualTo(c.get("img_size").asInt());
                assertThat(preset.windowSize()).as(name).isEqualTo(c.get("window_size").asInt());
                assertThat(preset.embedDim()).as(name).isEqualTo(c.get("embed_dim").asInt());
                assertThat(preset.depths()).as(name).containsExactly(V2Reference.ints(c.get("depths")));
                assertThat(preset.numHeads()).as(name).containsExactly(V2Reference.ints(c.get("num_heads")));
                assertThat(preset.numClasses()).as(name).isEqualTo(c.get("num_classes").asInt());
                assertThat(preset.pretrainedWindowSizes()).as(name)
                        .containsExactly(V2Reference.ints(c.get("pretrained_window_sizes")));
                assertThat(FlopCount.macs(preset)).as(name).isEqualTo(expected);
                presets++;
            } else {
                assertThat(e.getKey()).as("a V2 config that is no preset is a fixture config").matches(".*(fixture|grad).*");
                SwinConfig config = V2Reference.config(e.getKey(), c).toBuilder().optSizeRule(SizeRule.OFFICIAL).build();
                JsonNode img = c.get("img_size");
                int h = img.isArray() ? img.get(0).asInt() : img.asInt(), w = img.isArray() ? img.get(1).asInt() : h;
                assertThat(FlopCount.macs(config, h, w)).as(e.getKey()).isEqualTo(expected);
                fixtures++;
            }
        }
        // 12 official configs/swinv2 presets + torchvision swin_v2_t/s/b; 4 fixture configs
        assertThat(presets).isEqualTo(15);
        assertThat(fixtures).isEqualTo(4);
    }

    @Test
    void v2CountsItsMergeNormOverTheReducedChannels() {
        // The official V2 PatchMerging.flops: (H/2)(W/2)·4C·2C + H·W·C/2 (V1: + H·W·C). A V2 config counts
        // H·W·C/2 less per merge than the same geometry in V1; the blocks count the same (qkv, q·kᵀ, attn·v, proj).
        SwinConfig v2 = SwinConfig.preset("swinv2_tiny_patch4_window8_256");
        SwinConfig v1 = v2.toBuilder().optFamily(SwinConfig.Family.V1).optPretrainedWindowSizes(null).build();
        double expected = 0;
        int side = 64;
        for (int s = 0; s < 3; s++) {
            expected += (double) side * side * v2.stageDim(s) / 2;
            side /= 2;
        }
        assertThat(FlopCount.macs(v1) - FlopCount.macs(v2)).isEqualTo(expected);
    }
}
