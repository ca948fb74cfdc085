package io.swin4j.weights;

import io.swin4j.model.AttentionVariant;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.io.CheckpointFormatException;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The model card keeps the attention variant: saved, restored, absent in old cards (vanilla), refused when hostile. */
class AttentionVariantCardTest {

    private static SwinConfig small(AttentionVariant v) {
        return SwinConfig.builder().optImgSize(32).optPatchSize(4).optNumClasses(10).optEmbedDim(32).optDepths(2, 2)
                .optNumHeads(1, 2).optWindowSize(4).optAttention(v).build();
    }

    private static Map<String, String> metadata(SwinConfig c) {
        return new HashMap<>(new ModelCard(c, Layout.OFFICIAL, EvalPreset.official224(32), null).toMetadata());
    }

    @Test
    void everyVariantRoundTripsThroughTheCard() throws Exception {
        for (AttentionVariant v : new AttentionVariant[] {AttentionVariant.VANILLA, AttentionVariant.clipped(3.5, 1.25),
                AttentionVariant.gated(0.5)}) {
            SwinConfig c = small(v);
            SwinConfig saved = ModelCard.savedConfig(metadata(c), "f");
            assertThat(saved).isEqualTo(c);
            assertThat(saved.attention()).isEqualTo(v);
        }
    }

    @Test
    void cardsWrittenBeforeVariantsReadAsVanilla() throws Exception {
        Map<String, String> meta = metadata(small(null));
        String json = meta.get(ModelCard.META_CONFIG);
        String old = json.replaceAll(",\"attention\":\\{[^}]*\\}", "");
        assertThat(old).doesNotContain("attention").isNotEqualTo(json);
        meta.put(ModelCard.META_CONFIG, old);
        assertThat(ModelCard.savedConfig(meta, "f").attention()).isEqualTo(AttentionVariant.VANILLA);
    }

    @Test
    void outOfRangeOrMisplacedVariantsAreAFormatErrorNamingTheFile() {
        Map<String, String> meta = metadata(small(AttentionVariant.clipped()));
        for (String hostile : new String[] {"\"alpha\":1.0E9", "\"alpha\":\"NaN\"", "\"zeta\":0.5"}) {
            Map<String, String> m = new HashMap<>(meta);
            m.put(ModelCard.META_CONFIG, meta.get(ModelCard.META_CONFIG).replaceFirst(hostile.startsWith("\"zeta")
                    ? "\"zeta\":[0-9.E]+" : "\"alpha\":[0-9.E]+", hostile));
            assertThat(m.get(ModelCard.META_CONFIG)).contains(hostile);
            assertThatThrownBy(() -> ModelCard.savedConfig(m, "bad.safetensors"))
                    .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("bad.safetensors");
        }
        Map<String, String> mlp = metadata(SwinConfig.preset("swin_mlp_tiny_c24_patch4_window8_256"));
        mlp.put(ModelCard.META_CONFIG, mlp.get(ModelCard.META_CONFIG).replaceFirst("\"attention\":\\{[^}]*\\}",
                "\"attention\":{\"kind\":\"GATED\",\"alpha\":0.0,\"zeta\":1.0,\"gateInit\":0.25}"));
        assertThatThrownBy(() -> ModelCard.savedConfig(mlp, "mlp.safetensors"))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("mlp.safetensors")
                .hasMessageContaining("Swin-MLP");
    }

    @Test
    void aSavedGatedModelLoadsAsGatedWithItsGates(@TempDir Path dir) throws Exception {
        SwinConfig c = small(AttentionVariant.gated());
        Path file = dir.resolve("gated.safetensors");
        try (SwinTransformer m = SwinTransformer.create(c, 7)) {
            SwinWeights.save(file, new ModelCard(c, Layout.OFFICIAL, EvalPreset.official224(32), null),
                    m.parameters().toHost(), "F32");
        }
        SwinWeights w = SwinWeights.load(file);
        assertThat(w.config()).isEqualTo(c);
        assertThat(w.report().isClean()).as(w.report().toString()).isTrue();
        assertThat(w.tensors()).containsKey("layers.1.blocks.0.attn.gate.bias");
        try (SwinTransformer loaded = w.createModel()) {
            assertThat(loaded.parameters().asMap()).containsKey("layers.0.blocks.1.attn.gate.weight");
        }
    }
}
