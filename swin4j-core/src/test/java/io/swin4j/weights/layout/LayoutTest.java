package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.testing.Fixtures;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.CheckpointReader;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Layout detection, conversion and config inference, on the checkpoints the reference code wrote. Pure Java. */
class LayoutTest {

    private static Map<String, HostTensor> read(String kase, String file) throws Exception {
        return CheckpointReader.read(Fixtures.parity(kase).resolve(file)).tensors();
    }

    private static Map<String, HostTensor> officialCanonical() throws Exception {
        return LayoutConverter.toCanonical(read("official", "official.pth"), Layout.OFFICIAL).canonical();
    }

    @Test
    void detectsEveryReferenceLayout() throws Exception {
        assertThat(LayoutDetector.detect(read("official", "official.pth").keySet())).isEqualTo(Layout.OFFICIAL);
        assertThat(LayoutDetector.detect(read("timm", "timm.pth").keySet())).isEqualTo(Layout.TIMM);
        assertThat(LayoutDetector.detect(read("torchvision", "torchvision.pth").keySet())).isEqualTo(Layout.TORCHVISION);
        assertThat(LayoutDetector.detect(read("hf", "hf.safetensors").keySet())).isEqualTo(Layout.HF);
        assertThat(LayoutDetector.detect(read("mmdet", "mmdet.pth").keySet())).isEqualTo(Layout.MMDET);
    }

    @Test
    void unknownKeysAreAClearError() throws Exception {
        Map<String, HostTensor> foreign = CheckpointReader.read(Fixtures.root().resolve("checkpoints/dtypes_views.pth")).tensors();
        assertThatThrownBy(() -> LayoutDetector.detect(foreign.keySet())).isInstanceOf(UnknownLayoutException.class)
                .hasMessageContaining("unknown checkpoint layout").hasMessageContaining("f32");
    }

    @Test
    void hfSplitQkvConvertsBackToTheOfficialTensorsExactly() throws Exception {
        ConversionResult hf = LayoutConverter.toCanonical(read("hf", "hf.safetensors"), Layout.HF);
        Map<String, HostTensor> official = officialCanonical();
        assertThat(hf.unexpected()).isEmpty();
        assertThat(hf.canonical().keySet()).containsExactlyInAnyOrderElementsOf(official.keySet());
        official.forEach((k, v) -> assertThat(hf.canonical().get(k).data()).as(k).containsExactly(v.data()));
        // the HF script keeps every block's relative_position_index and drops the masks
        assertThat(hf.ignoredBuffers()).hasSize(8).allMatch(b -> b.endsWith("relative_position_index"));
    }

    /** mmdet.pth is what mmsegmentation's swin2mmseg.py writes for the official checkpoint (see its meta.json). */
    @Test
    void mmdetUnfoldOrderIsInvertedExactly() throws Exception {
        Map<String, HostTensor> file = read("mmdet", "mmdet.pth");
        ConversionResult mm = LayoutConverter.toCanonical(file, Layout.MMDET);
        Map<String, HostTensor> official = officialCanonical();
        Map<String, HostTensor> withoutHead = new java.util.LinkedHashMap<>(official);
        withoutHead.keySet().removeIf(k -> k.startsWith("head.")); // the converter drops the head, keeps norm.*
        assertThat(mm.canonical().keySet()).containsExactlyInAnyOrderElementsOf(withoutHead.keySet());
        withoutHead.forEach((k, v) -> assertThat(mm.canonical().get(k).data()).as(k).containsExactly(v.data()));
        assertThat(mm.unexpected()).isEmpty();
        assertThat(mm.extras()).isEmpty(); // the file's own final norm is used, not an identity stand-in
        // the buffers the converter carries over (8 relative_position_index; attn_mask of the shifted blocks of
        // stages 0 and 1 -- stage 2 is one 4x4 window, unshifted) are ignored
        assertThat(mm.ignoredBuffers()).hasSize(10)
                .allMatch(b -> b.endsWith(".attn.w_msa.relative_position_index") || b.endsWith(".attn_mask"));
        // mmdet/mmseg training checkpoints name the same tensors with a 'backbone.' prefix
        Map<String, HostTensor> prefixed = new java.util.LinkedHashMap<>();
        file.forEach((k, v) -> prefixed.put("backbone." + k, v));
        assertThat(LayoutDetector.detect(prefixed.keySet())).isEqualTo(Layout.MMDET);
        ConversionResult backbone = LayoutConverter.toCanonical(prefixed, Layout.MMDET);
        assertThat(backbone.unexpected()).isEmpty();
        assertThat(backbone.canonical().keySet()).containsExactlyInAnyOrderElementsOf(withoutHead.keySet());
        withoutHead.forEach((k, v) -> assertThat(backbone.canonical().get(k).data()).as("backbone." + k).containsExactly(v.data()));
        // and the permutation round-trips on arbitrary values
        Random r = new Random(1);
        float[] w = new float[6 * 16];
        for (int i = 0; i < w.length; i++) w[i] = r.nextFloat();
        HostTensor t = HostTensor.of(w, 6, 16);
        assertThat(LayoutConverter.fromUnfoldOrder(LayoutConverter.toUnfoldOrder(t)).data()).containsExactly(w);
        assertThat(LayoutConverter.toUnfoldOrder(t).data()).isNotEqualTo(w);
    }

    @Test
    void timmMergesMoveToTheEndOfThePreviousStage() throws Exception {
        ConversionResult timm = LayoutConverter.toCanonical(read("timm", "timm.pth"), Layout.TIMM);
        assertThat(timm.canonical()).containsKeys("layers.0.downsample.reduction.weight", "head.weight")
                .doesNotContainKeys("layers.3.downsample.reduction.weight", "head.fc.weight");
        SwinConfig c = ConfigInference.infer(timm.canonical(), SizeRule.OFFICIAL);
        LoadReport report = LoadReport.compare(CanonicalKeys.expected(c), timm.canonical(), timm.unexpected(),
                timm.ignoredBuffers(), java.util.List.of());
        assertThat(report.isClean()).as(report.toString()).isTrue();
    }

    @Test
    void infersTheTinyConfigsOfBothSizeRules() throws Exception {
        SwinConfig official = ConfigInference.infer(officialCanonical(), SizeRule.OFFICIAL);
        assertThat(official.embedDim()).isEqualTo(12);
        assertThat(official.depths()).containsExactly(2, 2, 2, 2);
        assertThat(official.numHeads()).containsExactly(1, 2, 4, 8);
        assertThat(official.windowSize()).isEqualTo(4);
        assertThat(official.numClasses()).isEqualTo(10);
        // stage 3's table is 3x3 (window shrunk to the 2x2 map): the image size follows
        assertThat(official.imgSize()).isEqualTo(64);
        Map<String, HostTensor> tv = LayoutConverter.toCanonical(read("torchvision", "torchvision.pth"), Layout.TORCHVISION).canonical();
        SwinConfig torchvision = ConfigInference.infer(tv, SizeRule.TORCHVISION);
        assertThat(torchvision.stageWindow(3)).isEqualTo(4);
        assertThat(torchvision.sizeRule()).isEqualTo(SizeRule.TORCHVISION);
    }

    /**
     * Every preset of every family comes back, name included, from its parameter shapes, and for V2 with what an official
     * file's buffers add (each stage's window from the shape of its relative_coords_table, the pretrained window from its
     * values); V2 shapes alone do not hold the window, so the answer is then a preset with the same parameters, and the
     * notes name the others.
     */
    @Test
    void infersEveryPresetFromItsShapes() {
        for (String name : SwinConfig.presetNames()) {
            SwinConfig preset = SwinConfig.preset(name);
            Map<String, long[]> shapes = CanonicalKeys.expected(preset);
            LayoutHints hints = preset.family() == SwinConfig.Family.V2 ? LayoutHints.complete(preset) : LayoutHints.none();
            java.util.List<String> notes = new java.util.ArrayList<>();
            SwinConfig inferred = ConfigInference.inferFromShapes(shapes, preset.sizeRule(), hints, notes);
            assertThat(inferred.name()).as(name).isEqualTo(name);
            assertThat(inferred.family()).as(name).isEqualTo(preset.family());
            assertThat(ConfigInference.check(inferred, preset)).as(name).isEmpty();
            assertThat(notes).as(name).isEmpty();
            if (preset.family() == SwinConfig.Family.V2) {
                java.util.List<String> shapeNotes = new java.util.ArrayList<>();
                SwinConfig fromShapes = ConfigInference.inferFromShapes(shapes, preset.sizeRule(), LayoutHints.none(), shapeNotes);
                assertThat(fromShapes.sameArchitecture(preset.toBuilder().optWindowSize(fromShapes.windowSize())
                        .optPretrainedWindowSizes(fromShapes.pretrainedWindowSizes()).build())).as(name).isTrue();
                assertThat(SwinConfig.presetNames()).contains(fromShapes.name());
                assertThat(shapeNotes).as(name).singleElement().asString().contains("do not hold the window")
                        .contains(fromShapes.name());
                if (!fromShapes.name().equals(name)) assertThat(shapeNotes.get(0)).as(name).contains(name);
            }
        }
    }

    @Test
    void parameterCountsEqualTorchvisionPublishedFigures() {
        // torchvision's num_params for swin_t / swin_s / swin_b (docs), same parameter set as the official code
        assertThat(CanonicalKeys.parameterCount(SwinConfig.preset("swin_tiny_patch4_window7_224"))).isEqualTo(28_288_354L);
        assertThat(CanonicalKeys.parameterCount(SwinConfig.preset("swin_small_patch4_window7_224"))).isEqualTo(49_606_258L);
        assertThat(CanonicalKeys.parameterCount(SwinConfig.preset("swin_base_patch4_window7_224"))).isEqualTo(87_768_224L);
    }

    @Test
    void presetMismatchesAreNamed() {
        SwinConfig t = SwinConfig.preset("swin_tiny_patch4_window7_224");
        SwinConfig s = SwinConfig.preset("swin_small_patch4_window7_224");
        assertThat(ConfigInference.check(t, s)).containsExactly("depths: checkpoint [2, 2, 6, 2], preset [2, 2, 18, 2]");
        SwinConfig b384 = SwinConfig.preset("swin_base_patch4_window12_384");
        SwinConfig b224 = SwinConfig.preset("swin_base_patch4_window7_224");
        assertThat(ConfigInference.check(b224, b384)).singleElement().asString().contains("window").contains("resizable");
    }

    @Test
    void headMappingKeepsTheOfficialRows() {
        int[] map = HeadMapping.official22kTo1k();
        assertThat(map).hasSize(1000);
        assertThat(map[0]).isEqualTo(359); // first line of the official data/map22kto1k.txt
        assertThatThrownBy(() -> HeadMapping.parse("1\n2\n", "m.txt")).hasMessageContaining("m.txt")
                .hasMessageContaining("expected 1000");
    }
}
