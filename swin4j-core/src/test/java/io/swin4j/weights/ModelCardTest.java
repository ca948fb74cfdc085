package io.swin4j.weights;

import io.swin4j.model.SwinConfig;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelCardTest {

    private static final SwinConfig MLP10 = SwinConfig.preset("swin_mlp_tiny_c24_patch4_window8_256").toBuilder()
            .optNumClasses(3).build();

    @Test
    void roundTripsEveryFieldThroughMetadata() throws Exception {
        ModelCard card = new ModelCard(MLP10, Layout.TIMM, EvalPreset.hf(256), List.of("a", "b", "c"));
        Map<String, String> meta = card.toMetadata();
        assertThat(meta).containsEntry(ModelCard.META_FAMILY, "MLP").containsEntry(ModelCard.META_LAYOUT, "TIMM");
        SwinConfig saved = ModelCard.savedConfig(meta, "f");
        assertThat(saved).isEqualTo(MLP10);
        assertThat(ModelCard.read(meta, saved, Layout.CANONICAL, "f")).isEqualTo(card);
    }

    @Test
    void aFileWithoutACardGetsItsSourcesPublishedTransform() throws Exception {
        SwinConfig v2t = SwinConfig.preset("swin_v2_t");
        ModelCard card = ModelCard.read(Map.of(), v2t, Layout.TORCHVISION, "f");
        assertThat(card.evalPreset()).isEqualTo(EvalPreset.torchvision("swin_v2_t", 260, 256));
        assertThat(card.classNames()).isNull();
        assertThat(card.family()).isEqualTo(SwinConfig.Family.V2);
        assertThat(ModelCard.savedConfig(Map.of(), "f")).isNull();
    }

    @Test
    void configsSavedBeforeFamiliesReadAsV1() throws Exception {
        Map<String, String> meta = new HashMap<>(new ModelCard(SwinConfig.preset("swin_tiny_patch4_window7_224"),
                Layout.OFFICIAL, EvalPreset.official224(224), null).toMetadata());
        String json = meta.get(ModelCard.META_CONFIG);
        String old = json.replaceAll(",\"family\":\"V1\"", "").replaceAll(",\"pretrainedWindowSizes\":\\[[0-9,]*\\]", "");
        assertThat(old).doesNotContain("family").doesNotContain("pretrained");
        meta.put(ModelCard.META_CONFIG, old);
        assertThat(ModelCard.savedConfig(meta, "f")).isEqualTo(SwinConfig.preset("swin_tiny_patch4_window7_224"));
    }

    @Test
    void inconsistentOrBrokenMetadataNamesTheFileAndTheKey() {
        Map<String, String> meta = new HashMap<>(new ModelCard(MLP10, Layout.OFFICIAL, EvalPreset.hf(256), null).toMetadata());
        meta.put(ModelCard.META_FAMILY, "V2");
        assertThatThrownBy(() -> ModelCard.read(meta, MLP10, Layout.OFFICIAL, "m.safetensors"))
                .hasMessageContaining("m.safetensors").hasMessageContaining("family V2").hasMessageContaining("MLP");
        meta.remove(ModelCard.META_FAMILY);
        meta.put(ModelCard.META_PRESET, "{not json");
        assertThatThrownBy(() -> ModelCard.read(meta, MLP10, Layout.OFFICIAL, "m.safetensors"))
                .hasMessageContaining("m.safetensors").hasMessageContaining(ModelCard.META_PRESET);
        meta.remove(ModelCard.META_PRESET);
        meta.put(ModelCard.META_LABELS, "[\"only one\"]");
        assertThatThrownBy(() -> ModelCard.read(meta, MLP10, Layout.OFFICIAL, "m.safetensors"))
                .hasMessageContaining("m.safetensors").hasMessageContaining("1 class names for a model of 3");
        meta.put(ModelCard.META_LAYOUT, "PADDLE");
        assertThatThrownBy(() -> ModelCard.read(meta, MLP10, Layout.OFFICIAL, "m.safetensors"))
                .hasMessageContaining("unknown source layout 'PADDLE'");
    }
}
