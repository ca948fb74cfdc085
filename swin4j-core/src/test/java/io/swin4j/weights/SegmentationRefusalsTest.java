package io.swin4j.weights;

import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.Layout;
import io.swin4j.weights.layout.LoadReport;
import io.swin4j.weights.layout.UnknownLayoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Broken segmentation checkpoints fail with messages naming the file and the key; nothing is guessed. */
class SegmentationRefusalsTest {

    private static Map<String, HostTensor> canonical;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        canonical = SwinWeights.load(SegmentationCheckpointsTest.FILES.get(Layout.SEG_OFFICIAL)).tensors();
    }

    /** The official seg tensors with {@code edit} applied, as a safetensors file without metadata. */
    private Path broken(String name, Consumer<Map<String, HostTensor>> edit) throws Exception {
        Map<String, HostTensor> m = new LinkedHashMap<>(canonical);
        edit.accept(m);
        Path p = tmp.resolve(name + ".safetensors");
        Safetensors.write(p, m, Map.of("format", "pt"), "F32");
        return p;
    }

    private static HostTensor zeros(long... shape) {
        return new HostTensor(shape, new float[(int) HostTensor.numel(shape)], "F32");
    }

    @Test
    void aMissingHeadTensorIsNamedWithTheFile() throws Exception {
        Path p = broken("missing", m -> m.remove("decode_head.fpn_bottleneck.bn.running_var"));
        assertThatThrownBy(() -> SwinWeights.load(p)).isInstanceOf(LoadReport.CheckpointMismatchException.class)
                .hasMessageStartingWith(p + ": weights do not fit the model")
                .hasMessageContaining("missing keys (1)").hasMessageContaining("decode_head.fpn_bottleneck.bn.running_var [16]");
        SwinWeights lenient = SwinWeights.load(p, LoadOptions.defaults().optStrict(false));
        assertThat(lenient.report().missing()).containsExactly("decode_head.fpn_bottleneck.bn.running_var [16]");
    }

    @Test
    void withoutConvSegOrPoolingTheHeadCannotBeInferred() throws Exception {
        Path noSeg = broken("noseg", m -> m.keySet().removeIf(k -> k.startsWith("decode_head.conv_seg.")));
        assertThatThrownBy(() -> SwinWeights.load(noSeg)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(noSeg + ": weights lack decode_head.conv_seg.weight: not a complete UPerNet head");
        Path gap = broken("gap", m -> m.keySet().removeIf(k -> k.startsWith("decode_head.psp_modules.1.")));
        assertThatThrownBy(() -> SwinWeights.load(gap)).hasMessageStartingWith(gap + ": decode_head.psp_modules are numbered [0, 2, 3]");
        Path noBackbone = broken("nobackbone", m -> m.keySet().removeIf(k -> k.startsWith("backbone.patch_embed.")));
        assertThatThrownBy(() -> SwinWeights.load(noBackbone))
                .hasMessageStartingWith(noBackbone + ": weights lack backbone.patch_embed.proj.weight");
    }

    @Test
    void inconsistentChannelsAreShapeMismatchesByKey() throws Exception {
        Path p = broken("channels", m -> m.put("decode_head.lateral_convs.1.conv.weight", zeros(16, 8, 1, 1)));
        assertThatThrownBy(() -> SwinWeights.load(p)).isInstanceOf(LoadReport.CheckpointMismatchException.class)
                .hasMessageStartingWith(p.toString())
                .hasMessageContaining("decode_head.lateral_convs.1.conv.weight: checkpoint [16, 8, 1, 1], model [16, 16, 1, 1]");
        Path aux = broken("aux", m -> m.put("auxiliary_head.convs.0.conv.weight", zeros(8, 24, 3, 3)));
        assertThatThrownBy(() -> SwinWeights.load(aux)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(aux + ": auxiliary_head.convs.0.conv.weight [8, 24, 3, 3] takes 24 channels, the width of no "
                        + "backbone stage ([8, 16, 32, 64])");
        Path two = broken("twoconvs", m -> m.put("auxiliary_head.convs.1.conv.weight", zeros(8, 8, 3, 3)));
        assertThatThrownBy(() -> SwinWeights.load(two)).hasMessageContaining(two + ": auxiliary_head has convs [0, 1]");
    }

    @Test
    void unknownExtraKeysAreNamed() throws Exception {
        Path p = broken("extra", m -> {
            m.put("decode_head.extra_conv.weight", zeros(2));
            m.put("ema.decode_head.conv_seg.weight", zeros(2));
        });
        assertThatThrownBy(() -> SwinWeights.load(p)).isInstanceOf(LoadReport.CheckpointMismatchException.class)
                .hasMessageStartingWith(p.toString()).hasMessageContaining("unexpected keys (2)")
                .hasMessageContaining("decode_head.extra_conv.weight").hasMessageContaining("ema.decode_head.conv_seg.weight");
    }

    @Test
    void aBackboneOfNoKnownLayoutIsNamed() throws Exception {
        Path p = broken("backbone", m -> {
            Map<String, HostTensor> renamed = new LinkedHashMap<>();
            m.forEach((k, v) -> renamed.put(k.startsWith("backbone.") ? "encoder." + k.substring(9) : k, v));
            m.clear();
            m.putAll(renamed);
        });
        assertThatThrownBy(() -> SwinWeights.load(p)).isInstanceOf(UnknownLayoutException.class)
                .hasMessageStartingWith(p + ": unknown segmentation checkpoint layout: it has a decode_head, but its backbone is none of")
                .hasMessageContaining("encoder.patch_embed.proj.weight");
    }

    @Test
    void aPresetNamesTheBackbone() throws Exception {
        Path p = SegmentationCheckpointsTest.FILES.get(Layout.SEG_OFFICIAL);
        assertThatThrownBy(() -> SwinWeights.load(p, LoadOptions.defaults().optPreset("swin_tiny_patch4_window7_224")))
                .isInstanceOf(LoadReport.CheckpointMismatchException.class)
                .hasMessageStartingWith(p + ": backbone does not match preset swin_tiny_patch4_window7_224:")
                .hasMessageContaining("embed dim: checkpoint 8, preset 96");
        SwinWeights w = SwinWeights.load(p, LoadOptions.defaults().optPreset("swin_tiny_patch4_window7_224").optStrict(false));
        assertThat(w.report().notes()).anyMatch(n -> n.startsWith("backbone differs from preset swin_tiny_patch4_window7_224"));
        assertThat(w.config().embedDim()).isEqualTo(96);
        assertThat(w.report().shapeMismatches()).isNotEmpty();
    }

    @Test
    void aBackboneFamilyWithoutTheLayoutIsNamedWithTheFile() throws Exception {
        // Swin V2 keys (cpb_mlp) in mmseg names: no V2 adapter has mmseg's backbone names
        Path p = broken("v2", m -> {
            Map<String, HostTensor> renamed = new LinkedHashMap<>();
            m.forEach((k, v) -> renamed.put(k.replace("backbone.layers.", "backbone.stages.").replace(".attn.", ".attn.w_msa."), v));
            renamed.put("backbone.stages.0.blocks.0.attn.w_msa.cpb_mlp.0.weight", zeros(2, 2));
            m.clear();
            m.putAll(renamed);
        });
        assertThatThrownBy(() -> SwinWeights.load(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(p + ": ").hasMessageContaining("has no MMDET layout");
    }

    @Test
    void classifierOperationsOnASegmentationCheckpointSaySo() throws Exception {
        SwinWeights w = SwinWeights.load(SegmentationCheckpointsTest.FILES.get(Layout.MMSEG));
        assertThatThrownBy(w::createModel).isInstanceOf(IllegalStateException.class)
                .hasMessage(w.file() + ": a segmentation (UPerNet) checkpoint; createModel (use createSegmenter) is for classifiers");
        assertThatThrownBy(() -> w.withWindowSize(12)).hasMessageContaining("withWindowSize is for classifiers");
        assertThatThrownBy(() -> w.saveAs(tmp.resolve("x.safetensors"), Layout.TIMM, "F32"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be written as TIMM");
    }
}
