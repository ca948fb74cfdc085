package io.swin4j.infer;

import io.swin4j.model.SwinConfig;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelsTest {

    @Test
    void bundledImagenetNames() {
        Labels l = Labels.imagenet1k();
        assertThat(l.size()).isEqualTo(1000);
        assertThat(l.name(0)).isEqualTo("tench");
        assertThat(l.name(999)).isEqualTo("toilet tissue");
        assertThat(Labels.defaultFor(10).name(3)).isEqualTo("class_3");
    }

    @Test
    void userFilesAsLinesJsonListsAndIndexMaps(@TempDir Path tmp) throws Exception {
        Path lines = Files.writeString(tmp.resolve("l.txt"), "cat\ndog\n\n");
        assertThat(Labels.read(lines).size()).isEqualTo(2);
        Path list = Files.writeString(tmp.resolve("l.json"), "[\"cat\", \"dog\", \"bird\"]");
        assertThat(Labels.read(list).name(2)).isEqualTo("bird");
        Path map = Files.writeString(tmp.resolve("config.json"), "{\"id2label\": {\"1\": \"dog\", \"0\": \"cat\"}}");
        assertThat(Labels.read(map).name(0)).isEqualTo("cat");
        Path gap = Files.writeString(tmp.resolve("gap.json"), "{\"0\": \"cat\", \"2\": \"bird\"}");
        assertThatThrownBy(() -> Labels.read(gap)).hasMessageContaining("gap.json").hasMessageContaining("lack index 1");
        assertThatThrownBy(() -> Labels.read(lines).requireSize(10)).hasMessageContaining("have 2 names; the model has 10");
    }

    @Test
    void defaultPreprocessingFollowsTheCheckpointSource() {
        SwinConfig t = SwinConfig.preset("swin_tiny_patch4_window7_224");
        SwinConfig s = SwinConfig.preset("swin_small_patch4_window7_224");
        SwinConfig b384 = SwinConfig.preset("swin_base_patch4_window12_384");
        assertThat(ModelCard.defaultPreset(Layout.TORCHVISION, t).name()).isEqualTo("torchvision_swin_t");
        assertThat(ModelCard.defaultPreset(Layout.TORCHVISION, s).name()).isEqualTo("torchvision_swin_s");
        assertThat(ModelCard.defaultPreset(Layout.TORCHVISION, SwinConfig.preset("swin_base_patch4_window7_224")).name())
                .isEqualTo("torchvision_swin_b");
        assertThat(ModelCard.defaultPreset(Layout.OFFICIAL, t)).isEqualTo(EvalPreset.named("official_224"));
        assertThat(ModelCard.defaultPreset(Layout.OFFICIAL, b384)).isEqualTo(EvalPreset.named("official_384"));
        assertThat(ModelCard.defaultPreset(Layout.TIMM, t)).isEqualTo(EvalPreset.named("timm"));
        assertThat(ModelCard.defaultPreset(Layout.TIMM, b384)).isEqualTo(EvalPreset.named("timm_384"));
        assertThat(ModelCard.defaultPreset(Layout.HF, t)).isEqualTo(EvalPreset.named("hf"));
        assertThat(EvalPreset.named("timm").resize()).isEqualTo(248);
        // torchvision's V2 weights (Swin_V2_{T,S,B}_Weights: resize 260/260/272, crop 256), by preset name.
        assertThat(ModelCard.defaultPreset(Layout.TORCHVISION, SwinConfig.preset("swin_v2_t")))
                .isEqualTo(EvalPreset.named("torchvision_swin_v2_t")).extracting(EvalPreset::resize).isEqualTo(260);
        assertThat(ModelCard.defaultPreset(Layout.TORCHVISION, SwinConfig.preset("swin_v2_s")).resize()).isEqualTo(260);
        EvalPreset b = ModelCard.defaultPreset(Layout.TORCHVISION, SwinConfig.preset("swin_v2_b"));
        assertThat(b.resize()).isEqualTo(272);
        assertThat(b.crop()).containsExactly(256, 256);
    }
}
