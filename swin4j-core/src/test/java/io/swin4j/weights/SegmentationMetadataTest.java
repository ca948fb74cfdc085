package io.swin4j.weights;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.weights.io.Checkpoint;
import io.swin4j.weights.io.CheckpointFormatException;
import io.swin4j.weights.io.CheckpointReader;
import io.swin4j.weights.layout.Layout;
import io.swin4j.weights.layout.SegmentationKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading what mmseg's meta and HF's config.json say, and what is used when they say nothing. */
class SegmentationMetadataTest {

    @Test
    void configTextIsReadAsDataNotRun() {
        String text = """
                # comment
                norm_cfg = dict(type='SyncBN', requires_grad=True)
                model = dict(
                    type='EncoderDecoder',
                    decode_head=dict(
                        type='UPerHead', pool_scales=(1, 2, 3, 6), channels=512, dropout_ratio=0.1,
                        align_corners=True, num_classes=150, norm_cfg=norm_cfg,
                        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
                    auxiliary_head=dict(
                        type='FCNHead', in_channels=384, in_index=2, channels=256,
                        loss_decode=[dict(type='CrossEntropyLoss', loss_weight=0.4), dict(type='LovaszLoss')]))
                weird = lambda x: x
                data = {'samples_per_gpu': 2, "name": "a\\'b", 'scale': (2048, 512), 'ratio': -1.5e-3, 'none': None}
                gpu_ids = range(0, 1)
                test_cfg = dict(mode='slide', crop_size=(512, 512), stride=(341, 341))
                """;
        PythonLiterals.Result r = PythonLiterals.parse(text);
        assertThat(r.values()).containsKeys("norm_cfg", "model", "data", "gpu_ids", "test_cfg");
        @SuppressWarnings("unchecked") Map<String, Object> data = (Map<String, Object>) r.values().get("data");
        assertThat(data).containsEntry("samples_per_gpu", 2).containsEntry("name", "a'b")
                .containsEntry("scale", List.of(2048, 512)).containsEntry("ratio", -1.5e-3).containsEntry("none", null);
        assertThat(r.values().get("gpu_ids")).isEqualTo(Map.of("0", 0, "1", 1, "__call__", "range"));

        SegmentationMetadata m = SegmentationMetadata.fromMmsegMeta(Map.of("config", text));
        assertThat(m.poolScales()).containsExactly(1, 2, 3, 6);
        assertThat(m.alignCorners()).isTrue();
        assertThat(m.numClasses()).isEqualTo(150);
        assertThat(m.channels()).isEqualTo(512);
        assertThat(m.auxChannels()).isEqualTo(256);
        assertThat(m.auxInIndex()).isEqualTo(2);
        assertThat(m.auxLossWeight()).isEqualTo(0.4); // the first of a list of losses
        // mmseg 0.x before v0.13 kept test_cfg at the top level
        assertThat(m.mode()).isEqualTo(SegmentationMode.slide(512, 341));
        assertThat(m.origins()).containsEntry("mode", "meta['config'] test_cfg")
                .containsEntry("poolScales", "meta['config'] model.decode_head.pool_scales");
    }

    @Test
    void unreadableOrHostileValuesAreNotedNotUsed() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("config", "model = dict(decode_head=dict(pool_scales='1,2', align_corners=1))\n"
                + "broken = dict(a=(1, 2\n");
        meta.put("CLASSES", new Object[] {"a", 3});
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        meta.put("PALETTE", cyclic);
        SegmentationMetadata m = SegmentationMetadata.fromMmsegMeta(meta);
        assertThat(m.poolScales()).isNull();
        assertThat(m.alignCorners()).isNull();
        assertThat(m.classNames()).isNull();
        assertThat(m.palette()).isNull();
        assertThat(m.notes()).anyMatch(n -> n.contains("assignments not read as data: [broken]"))
                .anyMatch(n -> n.contains("pool_scales is not a list of pool sizes (1,2)"))
                .anyMatch(n -> n.contains("meta['CLASSES'] is not a list of class names"))
                .anyMatch(n -> n.contains("meta['PALETTE'] is not a list of RGB triples"));
        StringBuilder deep = new StringBuilder("model = ");
        for (int i = 0; i < 10_000; i++) deep.append('[');
        assertThat(PythonLiterals.parse(deep.toString()).skipped()).containsExactly("model");
        // many failing assignments: linear time (an error does not count lines); text over the limit is not read
        long t0 = System.nanoTime();
        assertThat(PythonLiterals.parse("x = ]\n".repeat(50_000)).skipped()).hasSize(50_000);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
        assertThat(PythonLiterals.parse("x = 1\n".repeat(200_000)).skipped()).singleElement().asString()
                .contains("over " + PythonLiterals.MAX_TEXT);
        assertThat(SegmentationMetadata.fromMmsegMeta(null).origins()).isEmpty();
    }

    /** Real mmengine checkpoints hold numpy arrays and mmengine objects: refused, or inert placeholders when lenient. */
    @Test
    void mmengineObjectsAreRefusedUnlessLenientAndTheRestIsRead() throws IOException {
        Path p = SegmentationCheckpointsTest.dir().resolve("mmengine_objects.pth");
        assertThatThrownBy(() -> CheckpointReader.read(p)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("numpy.core.multiarray._reconstruct");
        Checkpoint ck = CheckpointReader.read(p, true);
        SegmentationMetadata m = SegmentationMetadata.fromMmsegMeta(ck.meta());
        assertThat(m.classNames()).containsExactly("background", "road", "tree", "sky", "car");
        assertThat(m.poolScales()).containsExactly(1, 2, 4, 6);
        assertThat(m.palette()).isNull();
        assertThat(m.notes()).anyMatch(n -> n.startsWith("meta['dataset_meta']['palette'] is not a list of RGB triples"));
    }

    @Test
    void hfConfigJson(@TempDir Path tmp) throws IOException {
        Path c = tmp.resolve("config.json");
        Files.writeString(c, """
                {"pool_scales": [1, 2, 3, 6], "hidden_size": 512, "auxiliary_channels": 256, "auxiliary_in_channels": 384,
                 "use_auxiliary_head": true, "auxiliary_loss_weight": 0.4,
                 "id2label": {"0": "LABEL_0", "1": "LABEL_1"}}""");
        SegmentationMetadata m = SegmentationMetadata.fromHfConfig(c);
        assertThat(m.poolScales()).containsExactly(1, 2, 3, 6);
        assertThat(m.alignCorners()).isFalse();
        assertThat(m.channels()).isEqualTo(512);
        assertThat(m.auxInChannels()).isEqualTo(384);
        assertThat(m.classNames()).as("transformers' placeholder names are not names").isNull();
        assertThat(m.numClasses()).isEqualTo(2);
        Files.writeString(c, "{\"id2label\": {\"0\": \"a\", \"2\": \"b\"}}");
        assertThat(SegmentationMetadata.fromHfConfig(c).notes()).anyMatch(n -> n.contains("id2label indices are not 0..1"));
        Files.writeString(c, "{not json");
        assertThatThrownBy(() -> SegmentationMetadata.fromHfConfig(c)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(c + ": not readable JSON");
        assertThat(SegmentationMetadata.fromHfConfig(tmp.resolve("absent.json")).poolScales()).isNull();
    }

    private static Map<String, long[]> shapes(SegmentationConfig c) {
        return SegmentationKeys.expected(c);
    }

    private static final SwinConfig BACKBONE = SwinConfig.builder().optEmbedDim(8).optDepths(2, 2, 2, 2)
            .optNumHeads(1, 2, 2, 4).optWindowSize(7).optNumClasses(0).optSizeRule(SizeRule.PADDED).build();

    private static ModelCard resolve(SegmentationConfig c, SegmentationMetadata meta, Map<String, String> sources,
                                     List<String> notes) {
        return SegmentationLoader.resolve(shapes(c), BACKBONE, meta,
                ModelCard.ofSource(BACKBONE, Layout.SEG_OFFICIAL), sources, notes, Path.of("x.pth"));
    }

    @Test
    void withoutMetadataMmsegDefaultsAndAde20kFor150Classes() {
        SegmentationConfig c = new SegmentationConfig(BACKBONE, 150, 16, new int[] {1, 2, 3, 6}, false, 0.1, 8, 2, 0.4);
        Map<String, String> sources = new LinkedHashMap<>();
        ModelCard card = resolve(c, SegmentationMetadata.none(), sources, new ArrayList<>());
        assertThat(card.segmentationConfig()).isEqualTo(c);
        assertThat(card.classNames()).hasSize(150).startsWith("wall", "building", "sky").endsWith("flag");
        assertThat(card.palette()[0]).containsExactly(120, 120, 120);
        assertThat(card.palette()[149]).containsExactly(92, 0, 255);
        assertThat(card.segmentationMode()).isEqualTo(SegmentationMode.whole());
        assertThat(sources).containsEntry("poolScales", "default (mmseg: 1, 2, 3, 6)")
                .containsEntry("alignCorners", "default (mmseg: false)").containsEntry("mode", "default (whole)");
        assertThat(sources.get("classNames")).startsWith("ADE20K");

        SegmentationConfig seven = new SegmentationConfig(BACKBONE, 7, 16, new int[] {1, 2, 3, 6}, false, 0.1, 0, -1, 0.4);
        ModelCard other = resolve(seven, SegmentationMetadata.none(), new LinkedHashMap<>(), new ArrayList<>());
        assertThat(other.classNames()).isNull();
        assertThat(other.segmentationConfig().hasAuxiliary()).isFalse();
        assertThat(other.palette()).isEqualTo(SegmentationClasses.vocPalette(7));
        assertThat(SegmentationClasses.vocPalette(4)).isEqualTo(new int[][] {{0, 0, 0}, {128, 0, 0}, {0, 128, 0}, {128, 128, 0}});
    }

    @Test
    void poolScalesMustMatchThePoolingModules() {
        SegmentationConfig three = new SegmentationConfig(BACKBONE, 5, 16, new int[] {1, 2, 3}, false, 0.1, 8, 2, 0.4);
        assertThatThrownBy(() -> resolve(three, SegmentationMetadata.none(), new LinkedHashMap<>(), new ArrayList<>()))
                .hasMessage("x.pth: the weights have 3 decode_head.psp_modules and no metadata names their pool scales "
                        + "(mmseg's default 1, 2, 3, 6 has 4)");
        SegmentationMetadata four = SegmentationMetadata.fromMmsegMeta(Map.of("config",
                "model = dict(decode_head=dict(pool_scales=(1, 2, 3, 6), num_classes=9))"));
        assertThatThrownBy(() -> resolve(three, four, new LinkedHashMap<>(), new ArrayList<>()))
                .hasMessage("x.pth: meta['config'] model.decode_head.pool_scales names 4 pool scales [1, 2, 3, 6], the "
                        + "weights have 3 decode_head.psp_modules");
        SegmentationMetadata ok = SegmentationMetadata.fromMmsegMeta(Map.of("config",
                "model = dict(backbone=dict(embed_dims=8, depths=[2, 2, 6, 2], num_heads=[1, 2, 2, 4, 8], window_size=7),\n"
                + "    decode_head=dict(pool_scales=(1, 3, 6), num_classes=9))"));
        List<String> notes = new ArrayList<>();
        assertThat(resolve(three, ok, new LinkedHashMap<>(), notes).segmentationConfig().poolScales()).containsExactly(1, 3, 6);
        assertThat(notes).contains("meta['config'] model.backbone says depth of stage 2 6, the weights have 2: the weights' used",
                "meta['config'] model.backbone says heads of stage 4 8, the weights have no such stage");
        assertThat(notes).noneMatch(n -> n.contains("embed dim") || n.contains("window"));
        assertThat(notes).contains("meta['config'] model.decode_head.num_classes says number of classes 9, the weights "
                + "have 5: the weights' used");
    }

    @Test
    void theCardRoundTripsThroughMetadataAndRefusesBadValues() throws Exception {
        SegmentationConfig c = new SegmentationConfig(BACKBONE, 3, 16, new int[] {1, 2, 4, 6}, true, 0.2, 8, 1, 0.5);
        ModelCard card = ModelCard.ofSource(BACKBONE, Layout.MMSEG).withClassNames(List.of("a", "b", "c"))
                .withSegmentation(new SegmentationCard(c, new int[][] {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}},
                        SegmentationMode.slide(64, 48, 32, 24).optFlip(true)));
        Map<String, String> meta = card.toMetadata();
        assertThat(meta).containsEntry(ModelCard.META_TASK, "segmentation");
        SegmentationCard back = ModelCard.savedSegmentation(meta, BACKBONE, "f");
        assertThat(back.config()).isEqualTo(c);
        assertThat(back.palette()).isEqualTo(card.palette());
        assertThat(back.mode()).isEqualTo(card.segmentationMode());
        assertThat(ModelCard.ofSource(BACKBONE, Layout.OFFICIAL).toMetadata()).doesNotContainKey(ModelCard.META_TASK);

        Map<String, String> bad = new LinkedHashMap<>(meta);
        bad.put(ModelCard.META_SEGMENTATION, meta.get(ModelCard.META_SEGMENTATION).replace("\"auxInIndex\":1", "\"auxInIndex\":9"));
        assertThatThrownBy(() -> ModelCard.savedSegmentation(bad, BACKBONE, "f"))
                .hasMessageContaining("swin4j.segmentation metadata: auxInIndex must be an integer in 0..3, is 9");
        bad.put(ModelCard.META_SEGMENTATION, meta.get(ModelCard.META_SEGMENTATION).replace("[7,8,9]", "[7,8,900]"));
        assertThatThrownBy(() -> ModelCard.savedSegmentation(bad, BACKBONE, "f")).hasMessageContaining("palette[2]");
        bad.remove(ModelCard.META_SEGMENTATION);
        assertThatThrownBy(() -> ModelCard.savedSegmentation(bad, BACKBONE, "f"))
                .hasMessageContaining("swin4j.task is segmentation but swin4j.segmentation is missing");
        assertThatThrownBy(() -> card.withClassNames(List.of("a"))).hasMessage("1 class names for a model of 3 classes");
    }
}
