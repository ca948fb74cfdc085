package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The edges of the per-family adapters that the fixture round trips do not reach: malformed buffers and weights,
 * retargets that change nothing, the tie-break between families, the unknown-layout message. Expected values are the
 * official configs' (configs/swinv2/*.yaml, configs/swinmlp/*.yaml) or the contracts written out here.
 */
class FamilyAdapterEdgesTest {

    /** Retargeting swinv2_base_window12to16_192to256_22kto1k_ft back to 192 / window 12 gives the 22K pretraining
     *  config's PRETRAINED_WINDOW_SIZES, [0, 0, 0, 0] (configs/swinv2/swinv2_base_patch4_window12_192_22k.yaml sets none):
     *  a stage whose new window is the one it was trained at reads 0, not that window. */
    @Test
    void backAtTheTrainedWindowThePretrainedWindowIsZero() {
        SwinConfig ft = SwinConfig.preset("swinv2_base_patch4_window12to16_192to256_22kto1k_ft");
        SwinConfig back = ft.toBuilder().optImgSize(192).optWindowSize(12).build();
        assertThat(back.pretrainedWindowSizes()).containsExactly(12, 12, 12, 6); // carried over by the builder
        List<String> notes = new ArrayList<>();
        SwinConfig done = V2Adapters.INSTANCE.retargetConfig(ft, back, notes);
        assertThat(done.pretrainedWindowSizes()).containsExactly(0, 0, 0, 0);
        assertThat(notes).singleElement().asString().contains("[16, 16, 16, 8] -> [12, 12, 12, 6]");
    }

    /** A retarget that changes no stage window changes nothing: the target itself, no note, whatever the pretrained
     *  windows hold (here one equal to the stage's own window). */
    @Test
    void aV2RetargetThatKeepsEveryWindowIsTheTarget() {
        SwinConfig ft = SwinConfig.preset("swinv2_base_patch4_window12to16_192to256_22kto1k_ft");
        List<String> notes = new ArrayList<>();
        assertThat(V2Adapters.INSTANCE.retargetConfig(ft, ft, notes)).isSameAs(ft);
        SwinConfig own = SwinConfig.preset("swinv2_tiny_patch4_window8_256").toBuilder().optPretrainedWindowSizes(8, 8, 8, 8).build();
        assertThat(V2Adapters.INSTANCE.retargetConfig(own, own, notes)).isSameAs(own);
        assertThat(notes).isEmpty();
    }

    /** A coordinate table that is not (1, 2M−1, 2M−1, 2) tells no window: skipped, not read as one. */
    @Test
    void malformedCoordinateTablesTellNoWindow() {
        Map<String, HostTensor> buffers = new LinkedHashMap<>();
        buffers.put("layers.0.blocks.0.attn.relative_coords_table", new HostTensor(new long[] {15, 15, 2}, new float[15 * 15 * 2], "F32"));
        buffers.put("layers.1.blocks.0.attn.relative_coords_table", new HostTensor(new long[] {1, 16, 16, 2}, new float[16 * 16 * 2], "F32"));
        LayoutHints h = V2Adapters.bufferHints(buffers);
        assertThat(h.stageWindows()).isEmpty();
        assertThat(h.pretrainedWindows()).isEmpty();
    }

    /** Windows known from the buffers but no coordinate table: the pretrained windows are assumed 0, and said so. */
    @Test
    void v2WindowsWithoutCoordinateTablesNoteTheAssumedPretrainedWindows() {
        SwinConfig c = SwinConfig.preset("swinv2_tiny_patch4_window8_256");
        LayoutHints hints = LayoutHints.none();
        for (int i = 0; i < 4; i++) hints.stageWindows().put(i, 8);
        List<String> notes = new ArrayList<>();
        SwinConfig inferred = V2Adapters.INSTANCE.infer(CanonicalKeys.expected(c), SizeRule.OFFICIAL, hints, notes);
        assertThat(inferred.pretrainedWindowSizes()).containsExactly(0, 0, 0, 0);
        assertThat(notes).anySatisfy(n -> assertThat(n).startsWith("pretrained window sizes are not in the parameters"));
    }

    /** spatial_mlp.weight must be [heads·M², M², 1] (models/swin_mlp.py: Conv1d(heads·M², heads·M², 1, groups=heads)). */
    @Test
    void swinMlpWeightsOfAnotherShapeAreRefused() {
        SwinConfig c = SwinConfig.preset("swin_mlp_tiny_c24_patch4_window8_256");
        String key = "layers.0.blocks.0.spatial_mlp.weight";
        Map<String, long[]> shapes = new LinkedHashMap<>(CanonicalKeys.expected(c));
        assertThat(shapes.get(key)).containsExactly(4 * 64, 64, 1); // c24 at 96 channels: 4 heads, M = 8
        for (long[] bad : new long[][] {{4 * 64 + 1, 64, 1}, {4 * 64 + 64, 64}, {256}}) {
            shapes.put(key, bad);
            assertThatThrownBy(() -> MlpAdapters.INSTANCE.infer(shapes, SizeRule.OFFICIAL, LayoutHints.none(), new ArrayList<>()))
                    .as(Arrays.toString(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not [heads*M^2, M^2, 1]");
        }
    }

    /** 256 → 512 keeps every Swin-MLP stage window at 8 (stage maps 64, 32, 16, 8 → 128, 64, 32, 16): allowed. */
    @Test
    void swinMlpRetargetThatKeepsTheWindowsIsAllowed() {
        SwinConfig c = SwinConfig.preset("swin_mlp_tiny_c24_patch4_window8_256");
        SwinConfig big = c.toBuilder().optImgSize(512).build();
        Map<String, HostTensor> none = new LinkedHashMap<>();
        assertThat(MlpAdapters.INSTANCE.retarget(none, c, big, new ArrayList<>())).isEmpty();
    }

    /** Keys of two families at once: the earlier family of V1, V2, MLP wins the tie. */
    @Test
    void aTieBetweenFamiliesGoesToTheEarlierOne() {
        assertThat(Adapters.familyOf(List.of("layers.0.blocks.0.attn.cpb_mlp.0.weight", "layers.0.blocks.0.spatial_mlp.weight")))
                .isEqualTo(SwinConfig.Family.V2);
        assertThat(Adapters.familyOf(List.of("head.weight"))).isEqualTo(SwinConfig.Family.V1);
    }

    /** An unknown V1 layout lists every layout; one of another family names the family and its own sources. */
    @Test
    void unknownLayoutMessagesNameWhatWasTried() {
        assertThatThrownBy(() -> Adapters.detect(List.of("foo.bar")))
                .isInstanceOf(UnknownLayoutException.class)
                .hasMessageStartingWith("unknown checkpoint layout: none of " + Arrays.toString(Layout.values()) + " matches");
        assertThatThrownBy(() -> Adapters.detect(List.of("foo.spatial_mlp.bar")))
                .isInstanceOf(UnknownLayoutException.class)
                .hasMessageStartingWith("unknown checkpoint layout: a Swin-MLP state dict, but none of "
                        + Adapters.sources(SwinConfig.Family.MLP) + " matches");
    }

    /** An official table's corner is at most log2(8(M−1)/(P−1)+1)/3 with P ≥ 2; a larger one (here 3.3 at M = 2,
     *  which would give P = 8/(2^9.9−1)+1 ≈ 1.008) names no valid pretrained window and is not read as P = 1. */
    @Test
    void aCornerBeyondEveryOfficialTableNamesNoPretrainedWindow() {
        float[] d = new float[3 * 3 * 2];
        d[0] = -3.3f;
        LayoutHints h = V2Adapters.bufferHints(Map.of("layers.0.blocks.0.attn.relative_coords_table",
                new HostTensor(new long[] {1, 3, 3, 2}, d, "F32")));
        assertThat(h.stageWindows()).containsEntry(0, 2);
        assertThat(h.pretrainedWindows()).isEmpty();
    }

    /** A V2 file without buffers whose parameters only one preset has: that preset, and no "also fits" list. */
    @Test
    void aV2FileOnlyOnePresetFitsNamesNoAlternatives() {
        SwinConfig large = SwinConfig.preset("swinv2_large_patch4_window12_192_22k");
        List<String> notes = new ArrayList<>();
        SwinConfig inferred = ConfigInference.inferFromShapes(CanonicalKeys.expected(large), SizeRule.OFFICIAL, LayoutHints.none(), notes);
        assertThat(inferred.name()).isEqualTo(large.name());
        assertThat(notes).filteredOn(n -> n.startsWith("the weights do not hold the window")).singleElement().asString()
                .endsWith("window 12 and pretrained windows [0, 0, 0, 0] of preset swinv2_large_patch4_window12_192_22k");
    }

    /** The families in tie-break order, with the names and defaults the messages and loaders use: V1 and Swin-MLP
     *  read nothing from buffers and complete no config; V1's retarget resizes the bias tables (2M−1)². */
    @Test
    void familiesTheirNamesAndDefaults() {
        assertThat(Adapters.families()).extracting(AdapterFamily::family)
                .containsExactly(SwinConfig.Family.V1, SwinConfig.Family.V2, SwinConfig.Family.MLP);
        assertThat(Adapters.families()).extracting(AdapterFamily::displayName).containsExactly("Swin V1", "Swin V2", "Swin-MLP");
        AdapterFamily mlp = Adapters.family(SwinConfig.Family.MLP);
        LayoutHints h = mlp.hints(Map.of());
        assertThat(h.stageWindows()).isEmpty();
        assertThat(h.pretrainedWindows()).isEmpty();
        SwinConfig c = SwinConfig.preset("swin_mlp_tiny_c24_patch4_window8_256");
        SwinConfig big = c.toBuilder().optImgSize(512).build();
        assertThat(mlp.retargetConfig(c, big, new ArrayList<>())).isSameAs(big);
        assertThat(Adapters.find(SwinConfig.Family.V1, Layout.TIMM).orElseThrow().description()).isEqualTo(Layout.TIMM.description());

        SwinConfig v1 = SwinConfig.preset("swin_tiny_patch4_window7_224");
        SwinConfig w12 = v1.toBuilder().optWindowSize(12).optImgSize(384).build();
        Map<String, HostTensor> table = Map.of("layers.0.blocks.0.attn.relative_position_bias_table",
                new HostTensor(new long[] {13 * 13, 3}, new float[13 * 13 * 3], "F32"));
        Map<String, HostTensor> out = Adapters.family(SwinConfig.Family.V1).retarget(table, v1, w12, new ArrayList<>());
        assertThat(out.get("layers.0.blocks.0.attn.relative_position_bias_table").shape()).containsExactly(23 * 23, 3);
    }

    /** torchvision V2's qkv.bias is one (3C,) vector; one of another shape is not split into q_bias / v_bias but left
     *  for the shape check to report, without failing the conversion. */
    @Test
    void aTorchvisionQkvBiasOfAnotherShapeIsNotSplit() throws Exception {
        Map<String, HostTensor> file = new LinkedHashMap<>(io.swin4j.weights.io.CheckpointReader.read(
                io.swin4j.testing.Fixtures.parity("v2_torchvision").resolve(
                        io.swin4j.testing.Fixtures.json(io.swin4j.testing.Fixtures.parity("v2_torchvision").resolve("meta.json"))
                                .get("weights").asText())).tensors());
        List<String> qkv = file.keySet().stream().filter(k -> k.endsWith("attn.qkv.bias")).toList();
        assertThat(qkv).hasSizeGreaterThanOrEqualTo(2);
        int n = (int) file.get(qkv.get(0)).dim(0);
        assertThat(n % 3).isZero();
        file.put(qkv.get(0), new HostTensor(new long[] {n, 1}, new float[n], "F32"));     // rank 2
        int m = (int) file.get(qkv.get(1)).dim(0);
        file.put(qkv.get(1), new HostTensor(new long[] {m + 1}, new float[m + 1], "F32")); // not 3 equal thirds
        CheckpointAdapter a = LayoutDetector.detectAdapter(file.keySet());
        assertThat(a.source()).isEqualTo(Layout.TORCHVISION);
        ConversionResult r = a.toCanonical(file);
        long split = r.canonical().keySet().stream().filter(k -> k.endsWith("attn.q_bias")).count();
        assertThat(split).isEqualTo(qkv.size() - 2);
        assertThat(r.canonical().values()).noneMatch(t -> t.rank() == 2 && t.dim(1) == 1 && t.dim(0) == n / 3);
    }

    /** A non-strict load keeps mis-shaped tensors; writing one whose qkv rows are not three equal thirds to HF's
     *  split query/key/value is refused by name, not cut into uneven parts. */
    @Test
    void aQkvThatIsNotThreeThirdsIsNotWrittenAsQueryKeyValue() {
        SwinConfig v1 = SwinConfig.preset("swin_tiny_patch4_window7_224");
        Map<String, HostTensor> canonical = Map.of("layers.0.blocks.0.attn.qkv.weight", new HostTensor(new long[] {10, 4}, new float[40], "F32"));
        assertThatThrownBy(() -> Adapters.require(SwinConfig.Family.V1, Layout.HF).fromCanonical(canonical, v1, new ArrayList<>()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot split [10, 4] in 3");
    }

    /** V2 presets whose last stage shrinks its window (window 16 at 256: maps 64, 32, 16, 8) are named from the
     *  buffers' windows: the image size they imply (8·4·2³ = 256) is the preset's own. */
    @Test
    void v2PresetsWithAShrunkLastStageAreRecognised() {
        for (String name : List.of("swinv2_tiny_patch4_window16_256", "swinv2_base_patch4_window12to16_192to256_22kto1k_ft")) {
            SwinConfig c = SwinConfig.preset(name);
            SwinConfig inferred = ConfigInference.inferFromShapes(CanonicalKeys.expected(c), SizeRule.OFFICIAL,
                    LayoutHints.complete(c), new ArrayList<>());
            assertThat(inferred.name()).isEqualTo(name);
            assertThat(inferred.imgSize()).isEqualTo(256);
        }
    }

    /** swinv2_tiny_w8 at 128 (maps 32, 16, 8, 4: the last stage's window shrinks to 4) has the preset's parameters
     *  but its buffers say 4·4·2³ = 128: the inferred config keeps 128, not the preset's 256. */
    @Test
    void aShrunkWindowThatImpliesAnotherImageSizeKeepsIt() {
        SwinConfig c = SwinConfig.preset("swinv2_tiny_patch4_window8_256").toBuilder().optImgSize(128).build();
        assertThat(c.stageWindow(3)).isEqualTo(4);
        SwinConfig inferred = ConfigInference.inferFromShapes(CanonicalKeys.expected(c), SizeRule.OFFICIAL,
                LayoutHints.complete(c), new ArrayList<>());
        assertThat(inferred.imgSize()).isEqualTo(128);
        assertThat(inferred.windowSize()).isEqualTo(8);
    }
}
