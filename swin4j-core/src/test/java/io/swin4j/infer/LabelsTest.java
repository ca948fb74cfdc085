package io.swin4j.infer;

import io.swin4j.model.SwinConfig;
import io.swin4j.vision.EvalPreset;
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
        assertThat(SwinPredictor.defaultPreset(Layout.TORCHVISION, t).name()).isEqualTo("torchvision_swin_t");
        assertThat(SwinPredictor.defaultPreset(Layout.TORCHVISION, s).name()).isEqualTo("torchvision_swin_s");
        assertThat(SwinPredictor.defaultPreset(Layout.TORCHVISION, SwinConfig.preset("swin_base_patch4_window7_224")).name())
                .isEqualTo("torchvision_swin_b");
        assertThat(SwinPredictor.defaultPreset(Layout.OFFICIAL, t)).isEqualTo(EvalPreset.named("official_224"));
        assertThat(SwinPredictor.defaultPreset(Layout.OFFICIAL, b384)).isEqualTo(EvalPreset.named("official_384"));
        assertThat(SwinPredictor.defaultPreset(Layout.TIMM, t)).isEqualTo(EvalPreset.named("timm"));
        assertThat(SwinPredictor.defaultPreset(Layout.TIMM, b384)).isEqualTo(EvalPreset.named("timm_384"));
        assertThat(SwinPredictor.defaultPreset(Layout.HF, t)).isEqualTo(EvalPreset.named("hf"));
        assertThat(EvalPreset.named("timm").resize()).isEqualTo(248);
    }
}
