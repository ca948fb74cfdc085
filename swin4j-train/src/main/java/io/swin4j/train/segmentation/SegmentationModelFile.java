package io.swin4j.train.segmentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.tensor.HostTensor;
import io.swin4j.vision.SegmentationPreset;
import io.swin4j.weights.LoadOptions;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SegmentationCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.Layout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Segmentation models as training writes and evaluation reads them. Written: swin4j safetensors with the canonical
 * tensors (the official seg repo's names, BatchNorm running statistics included) and the model card
 * ({@link ModelCard} with its {@link SegmentationCard}: head config, class names, palette, test mode; source
 * {@link Layout#CANONICAL}, so that inference front ends treat it as a model of swin4j's own), plus
 * {@code swin4j.seg_preprocess}: the mean and std (0–255) and the test resize scale the run used. Read: any
 * segmentation checkpoint {@link SwinWeights} loads (mmseg, official seg, HF UperNet, swin4j), with the saved
 * preprocessing, else mmseg's test pipeline (2048×512) for a foreign checkpoint and the native size for a swin4j one.
 */
public final class SegmentationModelFile {

    /** Metadata key of the training run's test preprocessing: {"mean": [3], "std": [3], "testScale": [w, h] or null}. */
    public static final String META_PREPROCESS = "swin4j.seg_preprocess";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A segmentation model with what evaluating it needs.
     *
     * @param testScale (w, h) of mmseg's keep-ratio test resize, or null: images at their own size
     */
    public record Contents(SegmentationConfig config, List<String> classNames, int[][] palette, SegmentationMode mode,
                           float[] mean, float[] std, int[] testScale, Map<String, HostTensor> tensors) {

        /** The test pipeline the model is evaluated with. */
        public SegmentationTestTransform testTransform() {
            return new SegmentationTestTransform(testScale, mean, std);
        }
    }

    private SegmentationModelFile() {}

    public static void save(Path file, Contents c, String dtype) throws IOException {
        // The backbone's numClasses (ignored by a segmenter) is set to the heads' count: loading checks the saved class
        // names against the backbone config before it reads the segmentation card.
        SegmentationConfig sc = c.config().withBackbone(c.config().backbone().toBuilder().optNumClasses(c.config().numClasses()).build());
        ModelCard card = new ModelCard(sc.backbone(), Layout.CANONICAL, ModelCard.defaultPreset(Layout.CANONICAL, sc.backbone()),
                c.classNames(), new SegmentationCard(sc, c.palette(), c.mode()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(card.toMetadata());
        ObjectNode pre = JSON.createObjectNode();
        pre.set("mean", floats(c.mean()));
        pre.set("std", floats(c.std()));
        if (c.testScale() == null) pre.putNull("testScale");
        else pre.putArray("testScale").add(c.testScale()[0]).add(c.testScale()[1]);
        meta.put(META_PREPROCESS, JSON.writeValueAsString(pre));
        Safetensors.write(file, c.tensors(), meta, dtype);
    }

    private static ArrayNode floats(float[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (float f : v) a.add(f);
        return a;
    }

    /**
     * Any segmentation checkpoint swin4j reads ({@link SwinWeights#load}), strict.
     *
     * @throws IllegalArgumentException for a classifier checkpoint (naming the file)
     */
    public static Contents load(Path file) throws IOException {
        return load(file, LoadOptions.defaults());
    }

    public static Contents load(Path file, LoadOptions options) throws IOException {
        SwinWeights w = SwinWeights.load(file, options);
        if (w.task() != ModelCard.Task.SEGMENTATION) {
            throw new IllegalArgumentException(file + ": a classifier checkpoint, not a segmentation (UPerNet) model");
        }
        SegmentationConfig config = w.segmentationConfig();
        Map<String, HostTensor> tensors;
        try (SwinSegmenter model = w.createSegmenter()) { // what the model binds: shapes checked, missing ones per options
            tensors = model.parameters().toHost();
        }
        List<String> names = w.card().classNames();
        if (names == null) {
            names = new java.util.ArrayList<>();
            for (int i = 0; i < config.numClasses(); i++) names.add("class_" + i);
        }
        float[] mean = toFloats(SegmentationPreset.MEAN_255), std = toFloats(SegmentationPreset.STD_255);
        int[] testScale = w.card().source().isSegmentation() ? new int[] {2048, 512} : null;
        String pre = w.metadata().get(META_PREPROCESS);
        if (pre != null) {
            JsonNode n = JSON.readTree(pre);
            mean = triple(n.get("mean"), file, "mean");
            std = triple(n.get("std"), file, "std");
            JsonNode s = n.get("testScale");
            if (s == null || s.isNull()) {
                testScale = null;
            } else {
                if (!s.isArray() || s.size() != 2 || s.get(0).asInt() < 1 || s.get(1).asInt() < 1) {
                    throw new IllegalArgumentException(file + ": " + META_PREPROCESS + " testScale must be [w, h] >= 1 or null");
                }
                testScale = new int[] {s.get(0).asInt(), s.get(1).asInt()};
            }
        }
        return new Contents(config, List.copyOf(names), w.card().palette(), w.card().segmentationMode(), mean, std, testScale, tensors);
    }

    private static float[] triple(JsonNode n, Path file, String what) {
        if (n == null || !n.isArray() || n.size() != 3) throw new IllegalArgumentException(file + ": " + META_PREPROCESS + " " + what + " needs 3 values");
        float[] v = new float[3];
        for (int i = 0; i < 3; i++) {
            v[i] = (float) n.get(i).asDouble();
            if (!(Float.isFinite(v[i])) || what.equals("std") && !(v[i] > 0)) {
                throw new IllegalArgumentException(file + ": " + META_PREPROCESS + " " + what + " has an unusable value " + n.get(i));
            }
        }
        return v;
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
