package io.swin4j.weights.layout;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.CheckpointReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The adapters of every (family, source) on the files the reference code wrote (tools/reference/make_parity_fixtures.py,
 * make_family_fixtures.py): detection, conversion to the official tensors, the way back, and config inference. Pure Java.
 */
class FamilyAdaptersTest {

    private static JsonNode meta(String kase) {
        return Fixtures.json(Fixtures.parity(kase).resolve("meta.json"));
    }

    private static Map<String, HostTensor> read(String kase) throws Exception {
        return CheckpointReader.read(Fixtures.parity(kase).resolve(meta(kase).get("weights").asText())).tensors();
    }

    /** The file's parameters: what the reference implementations register as buffers taken out. */
    private static Map<String, HostTensor> parameters(Map<String, HostTensor> file) {
        Map<String, HostTensor> out = new LinkedHashMap<>(file);
        out.keySet().removeIf(k -> k.matches(".*(relative_position_index|relative_coords_table|attn_mask)"));
        return out;
    }

    /** The meta's family ("v2", "mlp"; V1 metas predate the field) and layout ("hf_v4" is HF). */
    private static SwinConfig.Family family(JsonNode meta) {
        return meta.has("family") ? SwinConfig.Family.valueOf(meta.get("family").asText().toUpperCase()) : SwinConfig.Family.V1;
    }

    private static Layout layout(JsonNode meta) {
        String l = meta.get("layout").asText();
        return l.equals("hf_v4") ? Layout.HF : Layout.valueOf(l.toUpperCase());
    }

    private static void assertSameTensors(Map<String, HostTensor> actual, Map<String, HostTensor> expected) {
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((k, v) -> {
            assertThat(actual.get(k).shape()).as(k).containsExactly(v.shape());
            assertThat(actual.get(k).data()).as(k).containsExactly(v.data());
        });
    }

    private static final String[] ALL = {"official", "timm", "torchvision", "hf", "mmdet", "v2_official", "v2_timm",
            "v2_torchvision", "v2_hf", "mlp_official"};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"official", "timm", "torchvision", "hf", "mmdet", "v2_official", "v2_timm", "v2_torchvision",
            "v2_hf", "mlp_official"})
    void detectsTheFamilyAndSourceOfEveryFixture(String kase) throws Exception {
        CheckpointAdapter a = LayoutDetector.detectAdapter(read(kase).keySet());
        assertThat(a.family()).isEqualTo(family(meta(kase)));
        assertThat(a.source()).isEqualTo(layout(meta(kase)));
    }

    @Test
    void familiesAreToldByTheirOwnParameters() {
        assertThat(Adapters.familyOf(Set.of("patch_embed.proj.weight", "layers.0.blocks.0.attn.cpb_mlp.0.weight"))).isEqualTo(SwinConfig.Family.V2);
        assertThat(Adapters.familyOf(Set.of("swinv2.encoder.layers.0.blocks.0.attention.self.logit_scale"))).isEqualTo(SwinConfig.Family.V2);
        assertThat(Adapters.familyOf(Set.of("layers.0.blocks.0.spatial_mlp.weight"))).isEqualTo(SwinConfig.Family.MLP);
        assertThat(Adapters.familyOf(Set.of("layers.0.blocks.0.attn.relative_position_bias_table"))).isEqualTo(SwinConfig.Family.V1);
        // a V2 state dict of no known source says it is V2 and lists the V2 sources
        assertThatThrownBy(() -> Adapters.detect(List.of("model.cpb_mlp.0.weight")))
                .isInstanceOf(UnknownLayoutException.class)
                .hasMessage("unknown checkpoint layout: a Swin V2 state dict, but none of [TORCHVISION, HF, TIMM, OFFICIAL, "
                        + "CANONICAL] matches its keys (first keys: model.cpb_mlp.0.weight)");
    }

    @Test
    void hfSwinv2TensorsEqualTheOfficialOnesExactly() throws Exception {
        ConversionResult hf = LayoutConverter.toCanonical(read("v2_hf"), Layout.HF);
        Map<String, HostTensor> official = parameters(read("v2_official"));
        assertThat(hf.unexpected()).isEmpty();
        assertSameTensors(hf.canonical(), official);
        // the converter keeps every block's relative_coords_table and relative_position_index (8 blocks), drops masks
        assertThat(hf.ignoredBuffers()).hasSize(16)
                .allMatch(b -> b.endsWith("relative_coords_table") || b.endsWith("relative_position_index"));
        assertThat(hf.hints().notes()).isEmpty();
    }

    @Test
    void timmV2MergesMoveToTheEndOfThePreviousStage() throws Exception {
        Map<String, HostTensor> file = read("v2_timm");
        ConversionResult timm = LayoutConverter.toCanonical(file, Layout.TIMM);
        assertThat(timm.unexpected()).isEmpty();
        assertThat(timm.ignoredBuffers()).isEmpty(); // timm's buffers are not persistent
        assertThat(timm.canonical().keySet()).containsExactlyInAnyOrderElementsOf(parameters(read("v2_official")).keySet());
        assertThat(timm.canonical().get("layers.0.downsample.reduction.weight")).isSameAs(file.get("layers.1.downsample.reduction.weight"));
        assertThat(timm.canonical().get("layers.2.downsample.norm.bias")).isSameAs(file.get("layers.3.downsample.norm.bias"));
        assertThat(timm.canonical().get("head.weight")).isSameAs(file.get("head.fc.weight"));
        assertThat(timm.canonical().get("layers.1.blocks.1.attn.logit_scale")).isSameAs(file.get("layers.1.blocks.1.attn.logit_scale"));
    }

    @Test
    void torchvisionV2SplitsItsFullQkvBias() throws Exception {
        Map<String, HostTensor> file = read("v2_torchvision");
        ConversionResult tv = LayoutConverter.toCanonical(file, Layout.TORCHVISION);
        assertThat(tv.unexpected()).isEmpty();
        assertThat(tv.canonical().keySet()).containsExactlyInAnyOrderElementsOf(parameters(read("v2_official")).keySet());
        assertThat(tv.ignoredBuffers()).hasSize(16);
        int blocks = 0;
        for (int stage = 0; stage < 4; stage++) {
            for (int block = 0; block < 2; block++) {
                float[] full = file.get("features." + (2 * stage + 1) + "." + block + ".attn.qkv.bias").data();
                int c = full.length / 3;
                String p = "layers." + stage + ".blocks." + block + ".attn.";
                assertThat(tv.canonical().get(p + "q_bias").data()).containsExactly(Arrays.copyOfRange(full, 0, c));
                assertThat(tv.canonical().get(p + "v_bias").data()).containsExactly(Arrays.copyOfRange(full, 2 * c, 3 * c));
                assertThat(tv.canonical().get(p + "q_bias").shape()).containsExactly(c);
                assertThat(tv.canonical()).doesNotContainKey(p + "qkv.bias");
                // the fixture's key third is random (torchvision zeroes it at run time): dropped, and said so
                assertThat(Arrays.copyOfRange(full, c, 2 * c)).as(p).isNotEqualTo(new float[c]);
                blocks++;
            }
        }
        assertThat(blocks).isEqualTo(8);
        assertThat(tv.hints().notes()).singleElement().asString().contains("key thirds dropped though nonzero in 8 blocks");
        assertThat(tv.canonical().get("layers.3.blocks.1.mlp.fc2.weight")).isSameAs(file.get("features.7.1.mlp.3.weight"));
        assertThat(tv.canonical().get("layers.2.downsample.norm.weight")).isSameAs(file.get("features.6.norm.weight"));
    }

    @Test
    void swinMlpOfficialIsCanonical() throws Exception {
        Map<String, HostTensor> file = read("mlp_official");
        ConversionResult mlp = LayoutDetector.detectAdapter(file.keySet()).toCanonical(file);
        assertThat(mlp.unexpected()).isEmpty();
        assertThat(mlp.ignoredBuffers()).isEmpty();
        assertSameTensors(mlp.canonical(), file);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"official", "timm", "torchvision", "hf", "mmdet", "v2_official", "v2_timm", "v2_torchvision",
            "v2_hf", "mlp_official"})
    void sourceToCanonicalAndBackGivesTheSourceParameters(String kase) throws Exception {
        Map<String, HostTensor> file = read(kase);
        CheckpointAdapter a = LayoutDetector.detectAdapter(file.keySet());
        ConversionResult r = a.toCanonical(file);
        SwinConfig config = a.inferConfig(r, new ArrayList<>());
        List<String> notes = new ArrayList<>();
        Map<String, HostTensor> back = a.fromCanonical(r.canonical(), config, notes);
        Map<String, HostTensor> expected = parameters(file);
        if (kase.equals("v2_torchvision")) {
            // written back with the key third zeroed, as torchvision uses it
            expected.replaceAll((k, v) -> {
                if (!k.endsWith("attn.qkv.bias")) return v;
                float[] d = v.data().clone();
                Arrays.fill(d, d.length / 3, 2 * d.length / 3, 0f);
                return new HostTensor(v.shape(), d, v.sourceDType());
            });
        }
        assertSameTensors(back, expected);
        assertThat(notes).isEmpty(); // mmdet.pth has no head to drop
    }

    @Test
    void sourcesThatCannotBeWrittenSaySo() {
        CheckpointAdapter v5 = Adapters.require(SwinConfig.Family.V1, Layout.HF_V5);
        assertThat(v5.canWrite()).isFalse();
        assertThatThrownBy(() -> v5.fromCanonical(Map.of(), SwinConfig.preset("swin_tiny_patch4_window7_224"), new ArrayList<>()))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> Adapters.require(SwinConfig.Family.MLP, Layout.TORCHVISION))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Swin-MLP has no TORCHVISION layout; its layouts: [OFFICIAL, CANONICAL]");
        assertThatThrownBy(() -> Adapters.require(SwinConfig.Family.V2, Layout.MMDET))
                .hasMessage("Swin V2 has no MMDET layout; its layouts: [TORCHVISION, HF, TIMM, OFFICIAL, CANONICAL]");
        assertThat(Adapters.writableSources(SwinConfig.Family.V2)).containsExactly(Layout.OFFICIAL, Layout.TIMM, Layout.HF,
                Layout.TORCHVISION, Layout.CANONICAL);
        // torchvision has no absolute position embedding; mmdet backbones have no head (dropped with a note)
        Map<String, HostTensor> ape = Map.of("absolute_pos_embed", HostTensor.of(new float[4], 1, 2, 2));
        SwinConfig t = SwinConfig.preset("swin_tiny_patch4_window7_224");
        assertThatThrownBy(() -> Adapters.require(SwinConfig.Family.V1, Layout.TORCHVISION).fromCanonical(ape, t, new ArrayList<>()))
                .hasMessage("TORCHVISION V1 checkpoints have no place for absolute_pos_embed");
        List<String> notes = new ArrayList<>();
        Map<String, HostTensor> mm = Adapters.require(SwinConfig.Family.V1, Layout.MMDET)
                .fromCanonical(Map.of("head.weight", HostTensor.of(new float[2], 1, 2)), t, notes);
        assertThat(mm).isEmpty();
        assertThat(notes).containsExactly("head dropped: mmdet/mmseg backbones have none");
    }

    @Test
    void hfSwinv2KeyBiasIsDroppedAndANonzeroOneIsNoted() {
        String b = "swinv2.encoder.layers.0.blocks.0.attention.self.";
        Map<String, HostTensor> src = new LinkedHashMap<>();
        src.put(b + "query.weight", HostTensor.of(new float[] {1, 2}, 1, 2));
        src.put(b + "key.weight", HostTensor.of(new float[] {3, 4}, 1, 2));
        src.put(b + "value.weight", HostTensor.of(new float[] {5, 6}, 1, 2));
        src.put(b + "query.bias", HostTensor.of(new float[] {7}, 1));
        src.put(b + "value.bias", HostTensor.of(new float[] {9}, 1));
        src.put(b + "key.bias", HostTensor.of(new float[] {0}, 1));
        src.put(b + "logit_scale", HostTensor.of(new float[] {2}, 1, 1, 1));
        CheckpointAdapter hf = Adapters.require(SwinConfig.Family.V2, Layout.HF);
        ConversionResult zero = hf.toCanonical(src);
        assertThat(zero.canonical().keySet()).containsExactlyInAnyOrder("layers.0.blocks.0.attn.qkv.weight",
                "layers.0.blocks.0.attn.q_bias", "layers.0.blocks.0.attn.v_bias", "layers.0.blocks.0.attn.logit_scale");
        assertThat(zero.canonical().get("layers.0.blocks.0.attn.qkv.weight").data()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(zero.hints().notes()).isEmpty();
        assertThat(zero.unexpected()).isEmpty();
        src.put(b + "key.bias", HostTensor.of(new float[] {0.5f}, 1));
        ConversionResult nonzero = hf.toCanonical(src);
        assertThat(nonzero.canonical()).hasSize(4);
        assertThat(nonzero.hints().notes()).containsExactly("attention.self.key.bias dropped though nonzero in 1 blocks: "
                + "Swin V2 has no key bias");
    }

    @Test
    void torchvisionV2NeedsBothBiasesToWriteOne() {
        CheckpointAdapter tv = Adapters.require(SwinConfig.Family.V2, Layout.TORCHVISION);
        SwinConfig c = SwinConfig.preset("swin_v2_t");
        Map<String, HostTensor> q = Map.of("layers.0.blocks.0.attn.q_bias", HostTensor.of(new float[] {1, 2}, 2));
        assertThatThrownBy(() -> tv.fromCanonical(q, c, new ArrayList<>())).hasMessage("layers.0.blocks.0.attn.q_bias has no matching v_bias");
        Map<String, HostTensor> qv = new LinkedHashMap<>(q);
        qv.put("layers.0.blocks.0.attn.v_bias", HostTensor.of(new float[] {5, 6}, 2));
        Map<String, HostTensor> out = tv.fromCanonical(qv, c, new ArrayList<>());
        assertThat(out).containsOnlyKeys("features.1.0.attn.qkv.bias");
        assertThat(out.get("features.1.0.attn.qkv.bias").data()).containsExactly(1, 2, 0, 0, 5, 6);
        Map<String, HostTensor> v = Map.of("layers.0.blocks.0.attn.v_bias", HostTensor.of(new float[] {5, 6}, 2));
        assertThatThrownBy(() -> tv.fromCanonical(v, c, new ArrayList<>())).hasMessage("[layers.0.blocks.0.attn.v_bias] have no matching q_bias");
    }

    // ------------------------------------------------------------------ config inference

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"v2_official", "v2_hf", "v2_torchvision", "mlp_official"})
    void infersTheArchitectureTheReferenceWasBuiltWith(String kase) throws Exception {
        JsonNode meta = meta(kase), cfg = meta.get("config");
        CheckpointAdapter a = LayoutDetector.detectAdapter(read(kase).keySet());
        List<String> notes = new ArrayList<>();
        SwinConfig c = a.inferConfig(a.toCanonical(read(kase)), notes);
        assertThat(c.family()).isEqualTo(family(meta));
        assertThat(c.embedDim()).isEqualTo(cfg.get("embed_dim").asInt());
        assertThat(Arrays.toString(c.depths())).isEqualTo(cfg.get("depths").toString().replace(",", ", "));
        assertThat(Arrays.toString(c.numHeads())).isEqualTo(cfg.get("num_heads").toString().replace(",", ", "));
        int window = cfg.get("window_size").isArray() ? cfg.get("window_size").get(0).asInt() : cfg.get("window_size").asInt();
        assertThat(c.windowSize()).isEqualTo(window);
        assertThat(c.numClasses()).isEqualTo(cfg.get("num_classes").asInt());
        assertThat(c.mlpRatio()).isEqualTo(cfg.get("mlp_ratio").asDouble());
        assertThat(c.sizeRule()).isEqualTo(a.source().sizeRule());
        if (meta.get("pretrained_window_sizes").isArray()) {
            assertThat(Arrays.toString(c.pretrainedWindowSizes())).isEqualTo(meta.get("pretrained_window_sizes").toString().replace(",", ", "));
        }
        // the effective windows the reference used (block_windows) are the config's
        JsonNode stages = meta.get("block_windows");
        for (int i = 0; i < stages.size(); i++) {
            assertThat(c.stageWindow(i)).as(kase + " stage " + i).isEqualTo(stages.get(i).get("blocks").get(0).get(0).asInt());
        }
        if (c.sizeRule() == SizeRule.OFFICIAL) {
            assertThat(c.imgSize()).as("from the stage whose window shrank").isEqualTo(cfg.get("img_size").asInt());
        }
        assertThat(notes).isEmpty();
        assertThat(c.name()).isEqualTo("custom");
    }

    @Test
    void timmV2FilesHoldNoWindowSoEightIsAssumedAndSaid() throws Exception {
        Map<String, HostTensor> file = read("v2_timm");
        CheckpointAdapter a = LayoutDetector.detectAdapter(file.keySet());
        List<String> notes = new ArrayList<>();
        SwinConfig c = a.inferConfig(a.toCanonical(file), notes);
        assertThat(c.numHeads()).containsExactly(1, 2, 4, 8);
        assertThat(c.windowSize()).isEqualTo(8);
        assertThat(c.pretrainedWindowSizes()).containsExactly(0, 0, 0, 0);
        assertThat(notes).singleElement().asString().contains("window 8 assumed");
    }

    /**
     * The official relative_coords_table, written out: coordinates −(M−1)..M−1 divided by P−1 (P the pretrained window,
     * M when P = 0), times 8, then sign·log2(|x|+1)/log2(8). The stored value tells P back.
     */
    private static HostTensor officialCoordsTable(int m, int p) {
        int side = 2 * m - 1;
        float[] d = new float[side * side * 2];
        double div = (p > 0 ? p : m) - 1;
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                double[] xy = {(i - (m - 1)) / div * 8, (j - (m - 1)) / div * 8};
                for (int c = 0; c < 2; c++) {
                    d[(i * side + j) * 2 + c] = (float) (Math.signum(xy[c]) * (Math.log(Math.abs(xy[c]) + 1) / Math.log(2)) / 3.0);
                }
            }
        }
        return new HostTensor(new long[] {1, side, side, 2}, d, "F32");
    }

    @Test
    void pretrainedWindowsAreReadFromTheOfficialCoordinateTables() throws Exception {
        Map<String, HostTensor> buffers = new LinkedHashMap<>();
        int[][] mp = {{16, 12}, {16, 12}, {16, 12}, {8, 6}}; // swinv2_*_window12to16_192to256: stage windows, pretrained
        for (int i = 0; i < 4; i++) buffers.put("layers." + i + ".blocks.0.attn.relative_coords_table", officialCoordsTable(mp[i][0], mp[i][1]));
        LayoutHints h = V2Adapters.bufferHints(buffers);
        assertThat(h.stageWindows().values()).containsExactly(16, 16, 16, 8);
        assertThat(h.pretrainedWindows().values()).containsExactly(12, 12, 12, 6);
        // no pretrained window (P = 0) reads as 0, as does P = M
        LayoutHints none = V2Adapters.bufferHints(Map.of("layers.0.blocks.0.attn.relative_coords_table", officialCoordsTable(8, 0),
                "layers.1.blocks.0.attn.relative_coords_table", officialCoordsTable(8, 8)));
        assertThat(none.pretrainedWindows().values()).containsExactly(0, 0);
        // the official file's own tables (pretrained_window_sizes 0 in its meta)
        ConversionResult off = LayoutConverter.toCanonical(read("v2_official"), Layout.OFFICIAL);
        assertThat(off.hints().pretrainedWindows().values()).containsExactly(0, 0, 0, 0);
        assertThat(off.hints().stageWindows().values()).containsExactly(4, 4, 4, 2);
        // relative_position_index alone gives the window (square (M², M²), or torchvision's flat M⁴)
        LayoutHints idx = V2Adapters.bufferHints(Map.of("layers.0.blocks.0.attn.relative_position_index",
                new HostTensor(new long[] {36, 36}, new float[36 * 36], "I64"),
                "layers.1.blocks.0.attn.relative_position_index", new HostTensor(new long[] {256}, new float[256], "I64")));
        assertThat(idx.stageWindows().values()).containsExactly(6, 4);
        assertThat(idx.pretrainedWindows()).isEmpty();
    }

    /** A preset named for a V2 file without buffers (timm's, HF's) is checked on what the file holds, not on assumptions. */
    @Test
    void whatAV2FileCannotTellIsNoDifferenceFromAPreset() {
        SwinConfig w16 = SwinConfig.preset("swinv2_tiny_patch4_window16_256");
        SwinConfig inferred = ConfigInference.inferFromShapes(CanonicalKeys.expected(w16), SizeRule.OFFICIAL,
                LayoutHints.none(), new ArrayList<>());
        assertThat(inferred.name()).isEqualTo("swinv2_tiny_patch4_window8_256"); // the first preset with these parameters
        assertThat(ConfigInference.check(inferred, w16)).containsExactly("window: checkpoint 8, preset 16 (resizable: swin convert --window 16)");
        assertThat(ConfigInference.check(inferred, w16, LayoutHints.none())).isEmpty();
        SwinConfig ft = SwinConfig.preset("swinv2_base_patch4_window12to16_192to256_22kto1k_ft");
        SwinConfig base = ConfigInference.inferFromShapes(CanonicalKeys.expected(ft), SizeRule.OFFICIAL, LayoutHints.none(), new ArrayList<>());
        assertThat(ConfigInference.check(base, ft)).hasSize(2); // window and pretrained windows
        assertThat(ConfigInference.check(base, ft, LayoutHints.none())).isEmpty();
        // a file whose buffers said window 8 does differ; and the parameters always count
        assertThat(ConfigInference.check(inferred, w16, LayoutHints.complete(inferred))).singleElement().asString().startsWith("window:");
        assertThat(ConfigInference.check(inferred, SwinConfig.preset("swinv2_small_patch4_window16_256"), LayoutHints.none()))
                .containsExactly("depths: checkpoint [2, 2, 6, 2], preset [2, 2, 18, 2]");
        assertThat(ConfigInference.check(inferred, SwinConfig.preset("swin_tiny_patch4_window7_224"), LayoutHints.none()))
                .first().isEqualTo("family: checkpoint V2, preset V1");
    }

    @Test
    void loadingWithAPresetReportsOnlyWhatTheFileHolds() throws Exception {
        Path timm = Fixtures.parity("v2_timm").resolve("v2_timm.pth");
        assertThatThrownBy(() -> io.swin4j.weights.SwinWeights.load(timm,
                io.swin4j.weights.LoadOptions.defaults().optPreset("swinv2_tiny_patch4_window16_256")))
                .isInstanceOf(LoadReport.CheckpointMismatchException.class)
                .hasMessageContaining("embed dim: checkpoint 6, preset 96").hasMessageNotContaining("window:");
        // the official file's buffers do tell the window: a preset with another one is a difference
        Path official = Fixtures.parity("v2_official").resolve("v2_official.pth");
        assertThatThrownBy(() -> io.swin4j.weights.SwinWeights.load(official,
                io.swin4j.weights.LoadOptions.defaults().optPreset("swinv2_tiny_patch4_window16_256")))
                .hasMessageContaining("window: checkpoint 4, preset 16");
    }

    // ------------------------------------------------------------------ retargeting

    @Test
    void v2WindowChangesKeepTheTrainedScaleAsPretrainedWindows() throws Exception {
        Map<String, HostTensor> file = read("v2_official");
        CheckpointAdapter a = LayoutDetector.detectAdapter(file.keySet());
        SwinConfig from = a.inferConfig(a.toCanonical(file), new ArrayList<>());
        JsonNode pre = meta("v2_official_pretrained");
        SwinConfig to = from.toBuilder().optImgSize(pre.get("config").get("img_size").asInt())
                .optWindowSize(pre.get("config").get("window_size").asInt()).build();
        List<String> notes = new ArrayList<>();
        SwinConfig done = Adapters.family(SwinConfig.Family.V2).retargetConfig(from, to, notes);
        // what the official fine-tuning config of that fixture sets: PRETRAINED_WINDOW_SIZES = the source's windows
        assertThat(Arrays.toString(done.pretrainedWindowSizes())).isEqualTo(pre.get("pretrained_window_sizes").toString().replace(",", ", "));
        assertThat(notes).singleElement().asString().contains("[4, 4, 4, 2] -> [8, 8, 8, 4]");
        // nothing to resize: the same tensors
        Map<String, HostTensor> canonical = a.toCanonical(file).canonical();
        Map<String, HostTensor> resized = Adapters.family(SwinConfig.Family.V2).retarget(canonical, from, done, new ArrayList<>());
        canonical.forEach((k, v) -> assertThat(resized.get(k)).as(k).isSameAs(v));
        // a stage whose window stays keeps its pretrained window; back at the trained window it reads 0
        SwinConfig back = Adapters.family(SwinConfig.Family.V2).retargetConfig(done, from, new ArrayList<>());
        assertThat(back.pretrainedWindowSizes()).containsExactly(0, 0, 0, 0);
    }

    @Test
    void swinMlpRefusesToChangeAWindow() throws Exception {
        Map<String, HostTensor> file = read("mlp_official");
        CheckpointAdapter a = LayoutDetector.detectAdapter(file.keySet());
        SwinConfig from = a.inferConfig(a.toCanonical(file), new ArrayList<>());
        AdapterFamily mlp = Adapters.family(SwinConfig.Family.MLP);
        assertThatThrownBy(() -> mlp.retarget(file, from, from.toBuilder().optWindowSize(8).build(), new ArrayList<>()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Swin-MLP weights cannot change window: stage 0's spatial MLP is trained for 4x4 windows "
                        + "(weight [heads*M^2, M^2, 1]), the new config needs 8x8");
        // a larger image changes stage 3's window (2 -> 4): refused too; one that keeps every window is fine
        assertThatThrownBy(() -> mlp.retarget(file, from, from.toBuilder().optImgSize(128).build(), new ArrayList<>()))
                .hasMessageContaining("stage 3");
        Map<String, HostTensor> same = mlp.retarget(file, from, from.toBuilder().optImgSize(72).build(), new ArrayList<>());
        file.forEach((k, v) -> assertThat(same.get(k)).isSameAs(v));
        assertThat(ConfigInference.check(from, from.toBuilder().optWindowSize(8).build()))
                .containsExactly("window: checkpoint 4, preset 8 (Swin-MLP weights cannot change window)");
    }
}
