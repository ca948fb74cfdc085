package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.testing.Fixtures;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.CheckpointReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The naming conventions of each implementation (official, timm, torchvision, HF, mmdet) key by key, config inference
 * as the inverse of the parameter list a config needs, the 22K→1K head mapping, and the load report. Pure Java.
 */
class LayoutRulesTest {

    private static Map<String, long[]> shapes(SwinConfig c) {
        return CanonicalKeys.expected(c);
    }

    private static HostTensor zeros(long... shape) {
        return new HostTensor(shape, new float[(int) HostTensor.numel(shape)], "F32");
    }

    // ------------------------------------------------------------------ detection

    @Test
    void detectsEachLayoutByItsDistinctiveKeys() {
        assertThat(LayoutDetector.detect(Set.of("features.0.0.weight", "norm.weight"))).isEqualTo(Layout.TORCHVISION);
        assertThat(LayoutDetector.detect(Set.of("backbone.stages.0.blocks.0.attn.w_msa.qkv.weight"))).isEqualTo(Layout.MMDET);
        assertThat(LayoutDetector.detect(Set.of("stages.0.blocks.0.attn.w_msa.relative_position_bias_table"))).isEqualTo(Layout.MMDET);
        assertThat(LayoutDetector.detect(Set.of("swin.embeddings.patch_embeddings.projection.weight",
                "swin.encoder.layers.0.blocks.0.attention.self.query.weight"))).isEqualTo(Layout.HF);
        assertThat(LayoutDetector.detect(Set.of("embeddings.patch_embeddings.projection.weight",
                "encoder.layers.0.blocks.0.attention.q_proj.weight"))).isEqualTo(Layout.HF_V5);
        assertThat(LayoutDetector.detect(Set.of("patch_embed.proj.weight", "layers.0.downsample.reduction.weight",
                "head.weight"))).isEqualTo(Layout.OFFICIAL);
        assertThat(LayoutDetector.detect(Set.of("patch_embed.proj.weight", "head.weight"))).isEqualTo(Layout.OFFICIAL);
        assertThat(LayoutDetector.detect(Set.of("patch_embed.proj.weight", "layers.1.downsample.reduction.weight")))
                .as("merge at the start of stage 1").isEqualTo(Layout.TIMM);
        assertThat(LayoutDetector.detect(Set.of("patch_embed.proj.weight", "head.fc.weight"))).isEqualTo(Layout.TIMM);
        assertThat(LayoutDetector.detect(Set.of("patch_embed.proj.weight", "layers.0.downsample.reduction.weight",
                "layers.1.downsample.reduction.weight"))).isEqualTo(Layout.OFFICIAL);
        // near misses are not taken for a layout
        assertThatThrownBy(() -> LayoutDetector.detect(Set.of("features.1.0.norm1.weight")))
                .isInstanceOf(UnknownLayoutException.class);
        assertThatThrownBy(() -> LayoutDetector.detect(Set.of("xstages.0.blocks.0.attn.w_msa.qkv.weight")))
                .isInstanceOf(UnknownLayoutException.class);
    }

    @Test
    void unknownLayoutsListTheFirstKeysAndTheCount() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 8; i++) keys.add("k" + i);
        assertThatThrownBy(() -> LayoutDetector.detect(keys)).isInstanceOf(UnknownLayoutException.class)
                .hasMessageContaining("(first keys: k0, k1, k2, k3, k4, k5, ... 8 in all)")
                .hasMessageContaining("OFFICIAL").hasMessageContaining("MMDET");
        assertThatThrownBy(() -> LayoutDetector.detect(keys.subList(0, 6)))
                .hasMessageEndingWith("(first keys: k0, k1, k2, k3, k4, k5)");
        assertThat(Layout.TORCHVISION.sizeRule()).isEqualTo(SizeRule.TORCHVISION);
        for (Layout l : Layout.values()) {
            // the official seg repo and mmseg's own Swin pad and never shrink windows
            SizeRule rule = l == Layout.SEG_OFFICIAL || l == Layout.MMSEG ? SizeRule.PADDED : SizeRule.OFFICIAL;
            if (l != Layout.TORCHVISION) assertThat(l.sizeRule()).as(l.name()).isEqualTo(rule);
            assertThat(l.description()).isNotBlank();
        }
    }

    // ------------------------------------------------------------------ renames

    @Test
    void torchvisionFeaturesMapToStagesAndMerges() throws Exception {
        Map<String, HostTensor> tv = CheckpointReader.read(Fixtures.parity("torchvision").resolve("torchvision.pth")).tensors();
        ConversionResult r = LayoutConverter.toCanonical(tv, Layout.TORCHVISION);
        // torchvision: features.0 = stem (conv, permute, norm); features.2i+1.j = block j of stage i; features.2i+2 = merge i
        assertThat(r.canonical().get("patch_embed.proj.weight")).isSameAs(tv.get("features.0.0.weight"));
        assertThat(r.canonical().get("patch_embed.norm.bias")).isSameAs(tv.get("features.0.2.bias"));
        assertThat(r.canonical().get("layers.0.blocks.1.mlp.fc1.weight")).isSameAs(tv.get("features.1.1.mlp.0.weight"));
        assertThat(r.canonical().get("layers.2.blocks.0.mlp.fc2.bias")).isSameAs(tv.get("features.5.0.mlp.3.bias"));
        assertThat(r.canonical().get("layers.3.blocks.1.attn.qkv.weight")).isSameAs(tv.get("features.7.1.attn.qkv.weight"));
        assertThat(r.canonical().get("layers.0.downsample.reduction.weight")).isSameAs(tv.get("features.2.reduction.weight"));
        assertThat(r.canonical().get("layers.2.downsample.norm.weight")).isSameAs(tv.get("features.6.norm.weight"));
        assertThat(r.canonical().get("head.weight")).isSameAs(tv.get("head.weight"));
        assertThat(r.ignoredBuffers()).isNotEmpty().allMatch(k -> k.endsWith("relative_position_index"));
        assertThat(r.unexpected()).isEmpty();
        SwinConfig c = ConfigInference.infer(r.canonical(), SizeRule.TORCHVISION);
        LoadReport report = LoadReport.compare(shapes(c), r.canonical(), r.unexpected(), r.ignoredBuffers(), List.of());
        assertThat(report.isClean()).as(report.toString()).isTrue();
        assertThat(LayoutConverter.rename("features.3.x", Layout.TORCHVISION)).as("a block entry without an index").isNull();
    }

    @Test
    void timmMergeIndicesShiftDownByOne() {
        assertThat(LayoutConverter.rename("layers.1.downsample.reduction.weight", Layout.TIMM))
                .isEqualTo("layers.0.downsample.reduction.weight");
        assertThat(LayoutConverter.rename("layers.3.downsample.norm.bias", Layout.TIMM)).isEqualTo("layers.2.downsample.norm.bias");
        assertThat(LayoutConverter.rename("head.fc.weight", Layout.TIMM)).isEqualTo("head.weight");
        assertThat(LayoutConverter.rename("layers.1.blocks.0.norm1.weight", Layout.TIMM)).isEqualTo("layers.1.blocks.0.norm1.weight");
        assertThat(LayoutConverter.rename("layers.1.downsample.reduction.weight", Layout.OFFICIAL))
                .isEqualTo("layers.1.downsample.reduction.weight");
    }

    @Test
    void hfNamesOfBothVersionsMapToOfficialNames() {
        String b = "swin.encoder.layers.1.blocks.0.";
        Map<String, String> v4 = Map.of(
                "swin.embeddings.patch_embeddings.projection.weight", "patch_embed.proj.weight",
                "swin.embeddings.norm.bias", "patch_embed.norm.bias",
                "swin.embeddings.position_embeddings", "absolute_pos_embed",
                b + "layernorm_before.weight", "layers.1.blocks.0.norm1.weight",
                b + "layernorm_after.bias", "layers.1.blocks.0.norm2.bias",
                b + "attention.output.dense.weight", "layers.1.blocks.0.attn.proj.weight",
                b + "attention.self.relative_position_bias_table", "layers.1.blocks.0.attn.relative_position_bias_table",
                b + "intermediate.dense.weight", "layers.1.blocks.0.mlp.fc1.weight",
                b + "output.dense.bias", "layers.1.blocks.0.mlp.fc2.bias",
                "swin.encoder.layers.2.downsample.reduction.weight", "layers.2.downsample.reduction.weight");
        v4.forEach((from, to) -> assertThat(LayoutConverter.rename(from, Layout.HF)).as(from).isEqualTo(to));
        assertThat(LayoutConverter.rename("swin.layernorm.weight", Layout.HF)).isEqualTo("norm.weight");
        assertThat(LayoutConverter.rename("classifier.bias", Layout.HF)).isEqualTo("head.bias");
        assertThat(LayoutConverter.rename("encoder.layers.0.blocks.1.attention.o_proj.weight", Layout.HF_V5))
                .isEqualTo("layers.0.blocks.1.attn.proj.weight");
        assertThat(LayoutConverter.rename("encoder.layers.0.blocks.1.mlp.fc2.weight", Layout.HF_V5))
                .isEqualTo("layers.0.blocks.1.mlp.fc2.weight");
        assertThat(LayoutConverter.rename("encoder.layers.0.blocks.1.attention.relative_position_bias.relative_position_bias_table",
                Layout.HF_V5)).isEqualTo("layers.0.blocks.1.attn.relative_position_bias_table");
        assertThat(LayoutConverter.rename("swin.pooler.weight", Layout.HF)).isNull();
    }

    @Test
    void hfQueryKeyValueAreStackedAndAnIncompleteTripleIsReported() {
        String b = "encoder.layers.0.blocks.0.attention.self.";
        Map<String, HostTensor> src = new LinkedHashMap<>();
        src.put(b + "value.weight", HostTensor.of(new float[] {5, 6}, 1, 2));
        src.put(b + "query.weight", HostTensor.of(new float[] {1, 2}, 1, 2));
        src.put(b + "key.weight", HostTensor.of(new float[] {3, 4}, 1, 2));
        src.put(b + "query.bias", HostTensor.of(new float[] {9}, 1));
        src.put(b + "relative_position_index", zeros(1));
        src.put("swin.pooler.dense.weight", zeros(1));
        ConversionResult r = LayoutConverter.toCanonical(src, Layout.HF);
        HostTensor qkv = r.canonical().get("layers.0.blocks.0.attn.qkv.weight");
        assertThat(qkv.shape()).containsExactly(3, 2);
        assertThat(qkv.data()).containsExactly(1, 2, 3, 4, 5, 6); // rows q, k, v whatever the file order
        assertThat(r.canonical()).doesNotContainKey("layers.0.blocks.0.attn.qkv.bias");
        assertThat(r.unexpected()).containsExactlyInAnyOrder("swin.pooler.dense.weight",
                "layers.0.blocks.0.attn.{query,key,value}.bias (incomplete q/k/v)");
        assertThat(r.ignoredBuffers()).containsExactly(b + "relative_position_index");
        // whichever part is missing, the triple is reported, never half-stacked
        for (String missing : new String[] {"query", "key", "value"}) {
            Map<String, HostTensor> two = new LinkedHashMap<>();
            for (String part : new String[] {"query", "key", "value"}) {
                if (!part.equals(missing)) two.put(b + part + ".bias", HostTensor.of(new float[] {1}, 1));
            }
            ConversionResult t = LayoutConverter.toCanonical(two, Layout.HF);
            assertThat(t.canonical()).as(missing).isEmpty();
            assertThat(t.unexpected()).as(missing).containsExactly("layers.0.blocks.0.attn.{query,key,value}.bias (incomplete q/k/v)");
        }
    }

    @Test
    void mmdetFinalNormComesFromTheLastStagesOutputNormOrIsTheIdentity() {
        Map<String, HostTensor> src = new LinkedHashMap<>();
        src.put("backbone.stages.0.blocks.0.norm1.weight", HostTensor.of(new float[] {7, 7}, 2));
        src.put("backbone.stages.1.blocks.0.norm1.weight", HostTensor.of(new float[] {7, 7, 7}, 3));
        src.put("backbone.norm0.weight", HostTensor.of(new float[] {1, 1}, 2));
        src.put("backbone.norm0.bias", HostTensor.of(new float[] {0, 0}, 2));
        src.put("backbone.norm1.weight", HostTensor.of(new float[] {2, 3, 4}, 3));
        src.put("backbone.norm1.bias", HostTensor.of(new float[] {5, 6, 7}, 3));
        src.put("neck.conv.weight", zeros(1));
        ConversionResult r = LayoutConverter.toCanonical(src, Layout.MMDET);
        assertThat(r.canonical().get("norm.weight").data()).containsExactly(2, 3, 4);
        assertThat(r.canonical().get("norm.bias").data()).containsExactly(5, 6, 7);
        assertThat(r.extras().keySet()).containsExactly("backbone.norm0.weight", "backbone.norm0.bias");
        assertThat(r.unexpected()).containsExactly("neck.conv.weight");
        // unprefixed names too
        Map<String, HostTensor> plain = new LinkedHashMap<>();
        plain.put("stages.0.blocks.0.norm1.weight", HostTensor.of(new float[] {7, 7}, 2));
        plain.put("norm0.weight", HostTensor.of(new float[] {8, 9}, 2));
        plain.put("norm0.bias", HostTensor.of(new float[] {1, 2}, 2));
        assertThat(LayoutConverter.toCanonical(plain, Layout.MMDET).canonical().get("norm.weight").data()).containsExactly(8, 9);
        // only half of the last norm: identity norm, and the marker says so
        Map<String, HostTensor> half = new LinkedHashMap<>(src);
        half.remove("backbone.norm1.bias");
        ConversionResult id = LayoutConverter.toCanonical(half, Layout.MMDET);
        assertThat(id.canonical().get("norm.weight").data()).containsExactly(1, 1, 1);
        assertThat(id.canonical().get("norm.bias").data()).containsExactly(0, 0, 0);
        assertThat(id.canonical().get("norm.bias").shape()).containsExactly(3);
        assertThat(id.extras()).containsKey(LayoutConverter.IDENTITY_NORM_MARKER);
        // a final norm already present is kept; no blocks at all: nothing added
        Map<String, HostTensor> none = new LinkedHashMap<>();
        none.put("backbone.patch_embed.projection.weight", zeros(2, 3, 1, 1));
        assertThat(LayoutConverter.toCanonical(none, Layout.MMDET).canonical()).containsOnlyKeys("patch_embed.proj.weight");
        // other layouts never treat norm0.. as mmdet output norms
        Map<String, HostTensor> off = new LinkedHashMap<>();
        off.put("norm0.weight", zeros(2));
        off.put("layers.0.blocks.0.norm1.weight", zeros(2));
        ConversionResult o = LayoutConverter.toCanonical(off, Layout.OFFICIAL);
        assertThat(o.canonical()).containsOnlyKeys("norm0.weight", "layers.0.blocks.0.norm1.weight");
        assertThat(o.extras()).isEmpty();
    }

    @Test
    void mmdetMergeColumnsAreReorderedByTheUnfoldPermutation() {
        // C = 2: mmdet column c·4 + k holds official column [0, 2, 1, 3][k]·2 + c
        float[] official = {0, 1, 2, 3, 4, 5, 6, 7};
        float[] mmdet = new float[8];
        int[] block = {0, 2, 1, 3};
        for (int c = 0; c < 2; c++) for (int k = 0; k < 4; k++) mmdet[c * 4 + k] = official[block[k] * 2 + c];
        assertThat(mmdet).containsExactly(0, 4, 2, 6, 1, 5, 3, 7);
        Map<String, HostTensor> src = Map.of("backbone.stages.0.downsample.norm.weight", HostTensor.of(mmdet, 8));
        assertThat(LayoutConverter.toCanonical(src, Layout.MMDET).canonical().get("layers.0.downsample.norm.weight").data())
                .containsExactly(official);
    }

    // ------------------------------------------------------------------ config inference

    @Test
    void inferenceInvertsTheParameterListOfCustomConfigs() {
        SwinConfig tiny = SwinConfig.builder().optName("custom").optPatchSize(2).optInChans(1).optEmbedDim(8)
                .optDepths(1, 3).optNumHeads(2, 4).optWindowSize(3).optMlpRatio(2.5).optNumClasses(0).optQkvBias(false)
                .optPatchNorm(false).optApe(true).optImgSize(24).optDropPathRate(0).build();
        SwinConfig back = ConfigInference.inferFromShapes(shapes(tiny), SizeRule.OFFICIAL);
        assertThat(ConfigInference.check(back, tiny)).isEmpty();
        assertThat(back.imgSize()).as("from the 12x12 position embedding").isEqualTo(24);
        assertThat(back.numClasses()).isZero();
        assertThat(back.qkvBias()).isFalse();
        assertThat(back.patchNorm()).isFalse();
        assertThat(back.ape()).isTrue();
        assertThat(back.mlpRatio()).isEqualTo(2.5);
        assertThat(back.inChans()).isEqualTo(1);
        assertThat(back.patchSize()).isEqualTo(2);
        // without ape: a later stage whose window shrank gives the map size (stage 1 window 2 = its map: img 2·2·2)
        SwinConfig shrunk = tiny.toBuilder().optApe(false).optImgSize(8).optWindowSize(3).build();
        assertThat(shrunk.stageWindow(1)).isEqualTo(2);
        assertThat(ConfigInference.inferFromShapes(shapes(shrunk), SizeRule.OFFICIAL).imgSize()).isEqualTo(8);
        // nothing tells the size: 32·M
        SwinConfig unknown = tiny.toBuilder().optApe(false).optImgSize(96).build();
        assertThat(ConfigInference.inferFromShapes(shapes(unknown), SizeRule.TORCHVISION).imgSize()).isEqualTo(96);
        assertThat(ConfigInference.inferFromShapes(shapes(unknown), SizeRule.TORCHVISION).sizeRule()).isEqualTo(SizeRule.TORCHVISION);
        // a preset architecture keeps the preset's name and size, with the rule asked for
        SwinConfig t = SwinConfig.preset("swin_tiny_patch4_window7_224");
        SwinConfig inferredT = ConfigInference.inferFromShapes(shapes(t), SizeRule.TORCHVISION);
        assertThat(inferredT.name()).isEqualTo("swin_tiny_patch4_window7_224");
        assertThat(inferredT.sizeRule()).isEqualTo(SizeRule.TORCHVISION);
        // ... unless the weights say the image size differs from the preset's
        SwinConfig t256 = t.toBuilder().optApe(true).optImgSize(256).build();
        assertThat(ConfigInference.inferFromShapes(shapes(t256), SizeRule.OFFICIAL).imgSize()).isEqualTo(256);
    }

    @Test
    void weightsThatAreNotASwinAreRefusedSayingWhy() {
        SwinConfig t = SwinConfig.preset("swin_tiny_patch4_window7_224");
        Map<String, long[]> s = new LinkedHashMap<>(shapes(t));
        Map<String, long[]> noProj = new LinkedHashMap<>(s);
        noProj.remove("patch_embed.proj.weight");
        assertThatThrownBy(() -> ConfigInference.inferFromShapes(noProj, SizeRule.OFFICIAL))
                .hasMessage("weights lack patch_embed.proj.weight: cannot infer the architecture");
        Map<String, long[]> flat = new LinkedHashMap<>(s);
        flat.put("patch_embed.proj.weight", new long[] {96, 3, 4});
        assertThatThrownBy(() -> ConfigInference.inferFromShapes(flat, SizeRule.OFFICIAL))
                .hasMessage("patch_embed.proj.weight must be 4-D, is [96, 3, 4]");
        Map<String, long[]> noBlocks = new LinkedHashMap<>();
        noBlocks.put("patch_embed.proj.weight", new long[] {96, 3, 4, 4});
        assertThatThrownBy(() -> ConfigInference.inferFromShapes(noBlocks, SizeRule.OFFICIAL))
                .hasMessage("no Swin blocks (layers.i.blocks.j...) in the weights");
        Map<String, long[]> gap = new LinkedHashMap<>(s);
        gap.keySet().removeIf(k -> k.startsWith("layers.1.blocks."));
        assertThatThrownBy(() -> ConfigInference.inferFromShapes(gap, SizeRule.OFFICIAL))
                .hasMessage("stage 1 has no blocks (stages must be numbered 0..3)");
        Map<String, long[]> firstMissing = new LinkedHashMap<>(s);
        firstMissing.remove("layers.2.blocks.0.attn.relative_position_bias_table");
        assertThatThrownBy(() -> ConfigInference.inferFromShapes(firstMissing, SizeRule.OFFICIAL))
                .hasMessageStartingWith("stage 2 has no blocks");
        for (long rows : new long[] {168, 144}) { // not a square; an even side (12²)
            Map<String, long[]> bad = new LinkedHashMap<>(s);
            bad.put("layers.0.blocks.0.attn.relative_position_bias_table", new long[] {rows, 3});
            assertThatThrownBy(() -> ConfigInference.inferFromShapes(bad, SizeRule.OFFICIAL))
                    .hasMessage("layers.0 relative_position_bias_table has " + rows + " rows, not (2M-1)^2 for a window M");
        }
        Map<String, long[]> noMlp = new LinkedHashMap<>(s);
        noMlp.remove("layers.0.blocks.0.mlp.fc1.weight");
        assertThatThrownBy(() -> ConfigInference.inferFromShapes(noMlp, SizeRule.OFFICIAL))
                .hasMessage("weights lack layers.0.blocks.0.mlp.fc1.weight: cannot infer the architecture");
    }

    @Test
    void presetDifferencesAreNamedFieldByField() {
        SwinConfig a = SwinConfig.builder().optName("a").optPatchSize(4).optInChans(3).optEmbedDim(8).optDepths(2, 2)
                .optNumHeads(2, 4).optWindowSize(4).optMlpRatio(4).optNumClasses(10).optQkvBias(true).optPatchNorm(true)
                .optApe(false).optImgSize(32).build();
        SwinConfig b = a.toBuilder().optPatchSize(2).optInChans(1).optEmbedDim(16).optDepths(2, 4).optNumHeads(1, 4)
                .optWindowSize(5).optMlpRatio(2).optNumClasses(3).optQkvBias(false).optPatchNorm(false).optApe(true).build();
        assertThat(ConfigInference.check(a, b)).containsExactly(
                "embed dim: checkpoint 8, preset 16",
                "patch size: checkpoint 4, preset 2",
                "input channels: checkpoint 3, preset 1",
                "depths: checkpoint [2, 2], preset [2, 4]",
                "heads: checkpoint [2, 4], preset [1, 4]",
                "window: checkpoint 4, preset 5 (resizable: swin convert --window 5)",
                "classes: checkpoint 10, preset 3",
                "mlp ratio: checkpoint 4.0, preset 2.0",
                "qkv bias: checkpoint true, preset false",
                "absolute position embedding: checkpoint false, preset true",
                "patch norm: checkpoint true, preset false");
        assertThat(ConfigInference.check(a, a)).isEmpty();
        assertThat(ConfigInference.matchingPreset(a)).isEmpty();
        assertThat(ConfigInference.matchingPreset(SwinConfig.preset("swin_small_patch4_window7_224")))
                .get().extracting(SwinConfig::name).isEqualTo("swin_small_patch4_window7_224");
    }

    @Test
    void parameterListFollowsTheOptionalParts() {
        SwinConfig t = SwinConfig.preset("swin_tiny_patch4_window7_224");
        Map<String, long[]> plain = shapes(t.toBuilder().optNumClasses(0).optPatchNorm(false).optQkvBias(false).build());
        assertThat(plain).doesNotContainKeys("head.weight", "head.bias", "patch_embed.norm.weight",
                "layers.0.blocks.0.attn.qkv.bias", "absolute_pos_embed");
        Map<String, long[]> ape = shapes(t.toBuilder().optApe(true).build());
        assertThat(ape.get("absolute_pos_embed")).containsExactly(1, 56 * 56, 96);
        assertThat(ape).containsKey("layers.2.downsample.reduction.weight").doesNotContainKey("layers.3.downsample.reduction.weight");
        assertThat(ape.get("layers.2.downsample.reduction.weight")).containsExactly(768, 1536);
        assertThat(ape.get("layers.1.blocks.0.attn.relative_position_bias_table")).containsExactly(169, 6);
        // torchvision's documented parameter count of swin_t less its head: 28,288,354 − (768·1000 + 1000)
        assertThat(CanonicalKeys.parameterCount(t.toBuilder().optNumClasses(0).build())).isEqualTo(28_288_354L - 769_000L);
    }

    // ------------------------------------------------------------------ head mapping

    @Test
    void headMappingFilesAreCheckedLineByLine(@TempDir Path tmp) throws Exception {
        StringBuilder ok = new StringBuilder("\n");
        for (int i = 0; i < 1000; i++) ok.append(" ").append(i * 21).append(" \n\n");
        Path f = Files.writeString(tmp.resolve("map.txt"), ok);
        int[] map = HeadMapping.read(f);
        assertThat(map).hasSize(1000);
        assertThat(map[0]).isZero();
        assertThat(map[999]).isEqualTo(999 * 21);
        String lines999 = "0\n".repeat(999);
        assertThatThrownBy(() -> HeadMapping.parse(lines999 + "x\n", "m.txt")).hasMessage("m.txt line 1000: 'x' is not an integer");
        assertThatThrownBy(() -> HeadMapping.parse(lines999 + "21841\n", "m.txt"))
                .hasMessage("m.txt line 1000: index 21841 is outside 0..21840");
        assertThatThrownBy(() -> HeadMapping.parse("-1\n" + lines999, "m.txt")).hasMessage("m.txt line 1: index -1 is outside 0..21840");
        assertThat(HeadMapping.parse(lines999 + "21840\n", "m.txt")[999]).isEqualTo(21840);
        assertThatThrownBy(() -> HeadMapping.parse(lines999 + "1\n2\n", "m.txt"))
                .hasMessage("m.txt: expected 1000 indices, one per line, found 1001");
    }

    @Test
    void selectingRowsKeepsTheNamedClassesInOrder() {
        int cols = 2;
        float[] w = new float[21841 * cols], b = new float[21841];
        for (int r = 0; r < 21841; r++) {
            b[r] = r;
            for (int c = 0; c < cols; c++) w[r * cols + c] = r * 10 + c;
        }
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        weights.put("norm.weight", zeros(2));
        weights.put("head.weight", new HostTensor(new long[] {21841, cols}, w, "F16"));
        weights.put("head.bias", new HostTensor(new long[] {21841}, b, "F16"));
        int[] idx = {21840, 0, 7};
        Map<String, HostTensor> out = HeadMapping.selectRows(weights, idx);
        assertThat(out.get("head.weight").shape()).containsExactly(3, 2);
        assertThat(out.get("head.weight").data()).containsExactly(218400, 218401, 0, 1, 70, 71);
        assertThat(out.get("head.bias").data()).containsExactly(21840, 0, 7);
        assertThat(out.get("head.bias").sourceDType()).isEqualTo("F16");
        assertThat(out.get("norm.weight")).isSameAs(weights.get("norm.weight"));
        assertThat(weights.get("head.bias").data()).hasSize(21841);
        Map<String, HostTensor> small = Map.of("head.weight", zeros(1000, 2), "head.bias", zeros(1000));
        assertThatThrownBy(() -> HeadMapping.selectRows(small, idx))
                .hasMessage("head has 1000 classes; mapping needs a 21841-class head");
        assertThatThrownBy(() -> HeadMapping.selectRows(Map.of("head.weight", zeros(21841, 2)), idx))
                .hasMessage("the weights have no classifier head to map");
        assertThatThrownBy(() -> HeadMapping.selectRows(Map.of("head.bias", zeros(21841)), idx))
                .hasMessage("the weights have no classifier head to map");
    }

    // ------------------------------------------------------------------ load report

    @Test
    void theReportNamesMissingUnexpectedAndMisshapedKeys() {
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("a", new long[] {2});
        expected.put("b", new long[] {3});
        expected.put("c", new long[] {1, 2});
        Map<String, HostTensor> got = new LinkedHashMap<>();
        got.put("a", zeros(2));
        got.put("c", zeros(2, 1));
        got.put("z", zeros(1));
        LoadReport r = LoadReport.compare(expected, got, List.of("q (from conversion)"), List.of("idx"), List.of("n1"));
        assertThat(r.missing()).containsExactly("b [3]");
        assertThat(r.unexpected()).containsExactly("q (from conversion)", "z");
        assertThat(r.shapeMismatches()).containsExactly("c: checkpoint [2, 1], model [1, 2]");
        assertThat(r.isClean()).isFalse();
        assertThat(r.toString()).isEqualTo("  missing keys (1):\n    b [3]\n"
                + "  unexpected keys (2):\n    q (from conversion)\n    z\n"
                + "  shape mismatches (1):\n    c: checkpoint [2, 1], model [1, 2]\n"
                + "  ignored buffers (recomputed): 1\n");
        assertThatThrownBy(() -> r.requireClean("w.pth")).isInstanceOf(LoadReport.CheckpointMismatchException.class)
                .hasMessage("w.pth: weights do not fit the model\n" + r);
        LoadReport noted = r.withNote("n2");
        assertThat(noted.notes()).containsExactly("n1", "n2");
        assertThat(r.notes()).containsExactly("n1");
        assertThat(noted.missing()).isEqualTo(r.missing());

        Map<String, HostTensor> exact = new LinkedHashMap<>();
        exact.put("a", zeros(2));
        exact.put("b", zeros(3));
        exact.put("c", zeros(1, 2));
        LoadReport clean = LoadReport.compare(expected, exact, List.of(), List.of(), List.of());
        assertThat(clean.isClean()).isTrue();
        assertThat(clean.toString()).isEqualTo("  all parameters present with matching shapes\n");
        clean.requireClean("fine.pth");
        for (LoadReport one : new LoadReport[] {
                LoadReport.compare(expected, Map.of("a", zeros(2), "b", zeros(3)), List.of(), List.of(), List.of()),
                LoadReport.compare(expected, exact, List.of("x"), List.of(), List.of()),
                LoadReport.compare(expected, Map.of("a", zeros(2), "b", zeros(3), "c", zeros(2)), List.of(), List.of(), List.of())}) {
            assertThat(one.isClean()).as(one.toString()).isFalse();
        }
    }

    @Test
    void longSectionsShowTwentyItemsAndCountTheRest() {
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (int i = 0; i < 23; i++) expected.put("k" + i, new long[] {1});
        LoadReport r = LoadReport.compare(expected, Map.of(), List.of(), List.of(), List.of());
        String s = r.toString();
        assertThat(s).startsWith("  missing keys (23):\n    k0 [1]\n").contains("    k19 [1]\n    ... 3 more\n")
                .doesNotContain("k20");
        Map<String, long[]> twenty = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) twenty.put("k" + i, new long[] {1});
        assertThat(LoadReport.compare(twenty, Map.of(), List.of(), List.of(), List.of()).toString()).doesNotContain("more");
    }
}
