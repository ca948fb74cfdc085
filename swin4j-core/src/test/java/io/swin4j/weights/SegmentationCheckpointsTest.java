package io.swin4j.weights;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.CheckpointReader;
import io.swin4j.weights.layout.Layout;
import io.swin4j.weights.layout.SegmentationAdapters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One tiny random UPerNet-Swin saved by tools/reference/make_upernet_checkpoint_fixtures.py in the three public
 * layouts (official seg / mmseg 0.x, mmseg's own Swin, HF UperNet): each loads to the same canonical tensors, the
 * config inferred from the tensors and read from each file's own metadata equals the generator's, and writing each
 * layout back reproduces the reference converters' output. No libtorch needed.
 */
class SegmentationCheckpointsTest {

    static Path dir() { return Fixtures.root().resolve("upernet_checkpoints"); }

    static final Map<Layout, Path> FILES = Map.of(
            Layout.SEG_OFFICIAL, dir().resolve("official_seg.pth"),
            Layout.MMSEG, dir().resolve("mmseg.pth"),
            Layout.HF_UPERNET, dir().resolve("hf_upernet").resolve("pytorch_model.bin"));

    static final JsonNode EXPECTED = Fixtures.json(dir().resolve("expected.json"));

    @Test
    void everyLayoutLoadsToTheSameCanonicalTensors() throws Exception {
        SwinWeights official = SwinWeights.load(FILES.get(Layout.SEG_OFFICIAL));
        Set<String> expectedKeys = new HashSet<>();
        EXPECTED.get("canonicalKeys").forEach(k -> expectedKeys.add(k.asText()));
        assertThat(official.tensors().keySet()).isEqualTo(expectedKeys);
        // the official seg file is the canonical naming itself: tensors taken as they are
        Map<String, HostTensor> raw = CheckpointReader.read(FILES.get(Layout.SEG_OFFICIAL)).tensors();
        for (String k : expectedKeys) assertThat(official.tensors().get(k).data()).as(k).isEqualTo(raw.get(k).data());
        for (Map.Entry<Layout, Path> e : FILES.entrySet()) {
            SwinWeights w = SwinWeights.load(e.getValue());
            assertThat(w.layout()).isEqualTo(e.getKey());
            assertThat(w.task()).isEqualTo(ModelCard.Task.SEGMENTATION);
            assertThat(w.report().isClean()).as(e.getKey() + "\n" + w.report()).isTrue();
            assertThat(w.tensors().keySet()).as(e.getKey().name()).isEqualTo(expectedKeys);
            for (String k : expectedKeys) {
                assertThat(w.tensors().get(k).shape()).as(e.getKey() + " " + k).isEqualTo(official.tensors().get(k).shape());
                assertThat(w.tensors().get(k).data()).as(e.getKey() + " " + k).isEqualTo(official.tensors().get(k).data());
            }
        }
    }

    @Test
    void configFromTensorsAndMetadataEqualsTheGenerators() throws Exception {
        for (Map.Entry<Layout, Path> e : FILES.entrySet()) {
            SwinWeights w = SwinWeights.load(e.getValue());
            String what = e.getKey().name();
            SwinConfig b = w.config();
            JsonNode eb = EXPECTED.get("backbone");
            assertThat(b.embedDim()).as(what).isEqualTo(eb.get("embedDim").asInt());
            assertThat(b.depths()).as(what).containsExactly(ints(eb.get("depths")));
            assertThat(b.numHeads()).as(what).containsExactly(ints(eb.get("numHeads")));
            assertThat(b.windowSize()).as(what).isEqualTo(eb.get("windowSize").asInt());
            assertThat(b.patchSize()).as(what).isEqualTo(eb.get("patchSize").asInt());
            assertThat(b.numClasses()).as(what).isZero();
            assertThat(b.sizeRule()).as(what).isEqualTo(e.getKey() == Layout.HF_UPERNET ? SizeRule.OFFICIAL : SizeRule.PADDED);

            SegmentationConfig s = w.segmentationConfig();
            assertThat(s.backbone()).isEqualTo(b);
            assertThat(s.numClasses()).as(what).isEqualTo(EXPECTED.get("numClasses").asInt());
            assertThat(s.channels()).as(what).isEqualTo(EXPECTED.get("channels").asInt());
            // (1, 2, 4, 6), not mmseg's default (1, 2, 3, 6): read from each file's own metadata
            assertThat(s.poolScales()).as(what).containsExactly(ints(EXPECTED.get("poolScales")));
            assertThat(s.alignCorners()).as(what).isEqualTo(EXPECTED.get("alignCorners").asBoolean());
            assertThat(s.auxChannels()).as(what).isEqualTo(EXPECTED.get("auxChannels").asInt());
            assertThat(s.auxInIndex()).as(what).isEqualTo(EXPECTED.get("auxInIndex").asInt());
            assertThat(s.auxLossWeight()).as(what).isEqualTo(EXPECTED.get("auxLossWeight").asDouble());
            if (e.getKey() != Layout.HF_UPERNET) assertThat(s.dropout()).as(what).isEqualTo(EXPECTED.get("dropout").asDouble());
        }
    }

    @Test
    void classNamesPaletteAndTestModeComeFromEachFilesMetadata() throws Exception {
        List<String> classes = new ArrayList<>();
        EXPECTED.get("classes").forEach(c -> classes.add(c.asText()));
        int[][] palette = new int[EXPECTED.get("palette").size()][];
        for (int i = 0; i < palette.length; i++) palette[i] = ints(EXPECTED.get("palette").get(i));
        Map<Layout, String> where = Map.of(Layout.SEG_OFFICIAL, "meta['config']", Layout.MMSEG, "meta['cfg']",
                Layout.HF_UPERNET, "config.json");
        for (Map.Entry<Layout, Path> e : FILES.entrySet()) {
            SwinWeights w = SwinWeights.load(e.getValue());
            ModelCard card = w.card();
            assertThat(card.classNames()).as(e.getKey().name()).isEqualTo(classes);
            assertThat(w.segmentationSources().get("poolScales")).as(e.getKey().name()).contains(where.get(e.getKey()));
            assertThat(w.segmentationSources().get("numClasses")).contains("tensors");
            assertThat(w.report().notes()).anyMatch(n -> n.startsWith("segmentation: ") && n.contains("poolScales from "));
            // the metadata's backbone and head sizes agree with the tensors: nothing to note
            assertThat(w.report().notes()).as(e.getKey().name()).noneMatch(n -> n.contains(" says "));
            if (e.getKey() == Layout.HF_UPERNET) {
                // HF's config.json holds no palette and no test mode
                assertThat(card.palette()).isEqualTo(SegmentationClasses.vocPalette(classes.size()));
                assertThat(card.segmentationMode()).isEqualTo(SegmentationMode.whole());
                assertThat(w.segmentationSources().get("classNames")).isEqualTo("config.json id2label");
            } else {
                assertThat(card.palette()).isEqualTo(palette);
                JsonNode slide = EXPECTED.get("slide");
                assertThat(card.segmentationMode()).isEqualTo(SegmentationMode.slide(slide.get("crop").get(0).asInt(),
                        slide.get("crop").get(1).asInt(), slide.get("stride").get(0).asInt(), slide.get("stride").get(1).asInt()));
                assertThat(w.segmentationSources().get("classNames"))
                        .isEqualTo(e.getKey() == Layout.MMSEG ? "meta['dataset_meta']['classes']" : "meta['CLASSES']");
                assertThat(w.segmentationSources().get("palette"))
                        .isEqualTo(e.getKey() == Layout.MMSEG ? "meta['dataset_meta']['palette']" : "meta['PALETTE']");
            }
            assertThat(w.describe()).contains("segmentation: UPerNet, 5 classes").contains("status      OK");
            String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(w.summary());
            assertThat(json).contains("\"task\":\"SEGMENTATION\"").contains("\"poolScales\":[1,2,4,6]")
                    .contains("\"segmentationSources\":{");
        }
    }

    /** canonical → layout reproduces what the reference converters wrote (buffers aside); → canonical again is exact. */
    @Test
    void writingEachLayoutReproducesTheReferenceConvertersAndRoundTrips() throws Exception {
        SwinWeights official = SwinWeights.load(FILES.get(Layout.SEG_OFFICIAL));
        for (Layout layout : List.of(Layout.SEG_OFFICIAL, Layout.MMSEG, Layout.HF_UPERNET)) {
            List<String> notes = new ArrayList<>();
            Map<String, HostTensor> written = SegmentationAdapters.fromCanonical(official.tensors(), official.config(),
                    layout, notes);
            Map<String, HostTensor> reference = new LinkedHashMap<>(CheckpointReader.read(FILES.get(layout)).tensors());
            reference.keySet().removeIf(k -> k.endsWith("num_batches_tracked") || k.endsWith("relative_position_index"));
            assertThat(written.keySet()).as(layout.name()).isEqualTo(reference.keySet());
            for (String k : reference.keySet()) {
                assertThat(written.get(k).shape()).as(layout + " " + k).isEqualTo(reference.get(k).shape());
                assertThat(written.get(k).data()).as(layout + " " + k).isEqualTo(reference.get(k).data());
            }
            Map<String, HostTensor> back = SegmentationAdapters.toCanonical(written, layout).canonical();
            assertThat(back.keySet()).isEqualTo(official.tensors().keySet());
            for (String k : back.keySet()) assertThat(back.get(k).data()).as(layout + " " + k).isEqualTo(official.tensors().get(k).data());
        }
    }

    /** swin convert --to: the file written in each layout loads back to the same tensors, config and card. */
    @Test
    void savedFilesLoadBackWithTheirCard(@TempDir Path tmp) throws Exception {
        SwinWeights mm = SwinWeights.load(FILES.get(Layout.MMSEG));
        List<Path> written = new ArrayList<>();
        for (Layout layout : List.of(Layout.SEG_OFFICIAL, Layout.MMSEG, Layout.HF_UPERNET, Layout.CANONICAL)) {
            Path out = tmp.resolve(layout + ".safetensors");
            mm.saveAs(out, layout, "F32");
            written.add(out);
            SwinWeights back = SwinWeights.load(out);
            assertThat(back.report().isClean()).as(layout + "\n" + back.report()).isTrue();
            assertThat(back.layout()).as(layout.name()).isEqualTo(layout == Layout.CANONICAL ? Layout.MMSEG : layout);
            assertThat(back.config()).isEqualTo(mm.config());
            assertThat(back.segmentationConfig()).isEqualTo(mm.segmentationConfig());
            assertThat(back.card().classNames()).isEqualTo(mm.card().classNames());
            assertThat(back.card().palette()).isEqualTo(mm.card().palette());
            assertThat(back.card().segmentationMode()).isEqualTo(mm.card().segmentationMode());
            assertThat(back.segmentationSources().get("segmentation")).contains(ModelCard.META_SEGMENTATION);
            for (String k : mm.tensors().keySet()) {
                assertThat(back.tensors().get(k).data()).as(layout + " " + k).isEqualTo(mm.tensors().get(k).data());
            }
        }
        assertThat(written).allMatch(p -> p.toFile().length() > 0);
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).asInt();
        return out;
    }
}
