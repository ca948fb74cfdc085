package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The MAC count equals the official {@code SwinTransformer.flops()} (fixtures from
 * tools/reference/make_flops_fixtures.py). Pure Java: no libtorch.
 */
class FlopCountTest {

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    @Test
    void equalsTheOfficialCountForEveryReferenceConfig() {
        JsonNode configs = Fixtures.json(Fixtures.root().resolve("flops/official_flops.json")).get("configs");
        assertThat(configs.size()).isGreaterThanOrEqualTo(8);
        for (JsonNode c : configs) {
            SwinConfig config = SwinConfig.builder().optName(c.get("name").asText())
                    .optImgSize(c.get("imgSize").asInt()).optPatchSize(c.get("patchSize").asInt())
                    .optWindowSize(c.get("windowSize").asInt()).optEmbedDim(c.get("embedDim").asInt())
                    .optDepths(ints(c.get("depths"))).optNumHeads(ints(c.get("numHeads")))
                    .optNumClasses(c.get("numClasses").asInt()).build();
            assertThat(FlopCount.macs(config)).as(config.name()).isEqualTo(c.get("flops").asDouble());
        }
    }

    @Test
    void presetsMatchTheirGeometryAndSwinTinyIs449GMacs() {
        SwinConfig tiny = SwinConfig.preset("swin_tiny_patch4_window7_224");
        assertThat(FlopCount.macs(tiny) / 1e9).isBetween(4.49, 4.50);
        assertThat(FlopCount.macs(tiny, 224, 224)).isEqualTo(FlopCount.macs(tiny));
    }

    @Test
    void paddedWindowsAreCountedAsComputed() {
        SwinConfig tiny = SwinConfig.preset("swin_tiny_patch4_window7_224");
        // 232 → 58×58 patches, padded to 63×63 in stage 1: more work than 224 and less than 252 (63×63, no pad).
        double at232 = FlopCount.macs(tiny, 232, 232);
        assertThat(at232).isGreaterThan(FlopCount.macs(tiny, 224, 224));
        assertThat(at232).isLessThan(FlopCount.macs(tiny, 252, 252));
    }
}
