package io.swin4j.train.segmentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.infer.SegmentationPredictor;
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
 * ({@link ModelCard} with its {@link SegmentationCard}: head config, class names, palette, test mode and the test
 * preprocessing the run used; source {@link Layout#CANONICAL}, so that inference front ends treat it as a model of
 * swin4j's own). Read: any segmentation checkpoint {@link SwinWeights} loads (mmseg, official seg, HF UperNet, swin4j),
 * with the preprocessing {@link SegmentationPredictor#defaultPreset} gives it (the card's, else its source's rule), so
 * that evaluation and inference see the same pixels.
 */
public final class SegmentationModelFile {

    /**
     * Metadata key of the test preprocessing of files written before it moved into the card (read only):
     * {"mean": [3], "std": [3], "testScale": [w, h] or null}.
     */
    static final String LEGACY_PREPROCESS = "swin4j.seg_preprocess";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A segmentation model with what evaluating it needs: its test transform ({@code preset}) included. */
    public record Contents(SegmentationConfig config, List<String> classNames, int[][] palette, SegmentationMode mode,
                           SegmentationPreset preset, Map<String, HostTensor> tensors) {}

    private SegmentationModelFile() {}

    /**
     * The test transform of a training run: mmseg's keep-ratio resize to {@code testScale} ((w, h) or null: images at
     * their own size), then the mean and std (0–255).
     */
    public static SegmentationPreset preset(int[] testScale, float[] mean, float[] std) {
        double[] m = new double[3], s = new double[3];
        for (int i = 0; i < 3; i++) {
            m[i] = mean[i];
            s[i] = std[i];
        }
        String name = testScale == null ? "trained_native" : "trained_" + testScale[0] + "x" + testScale[1];
        return new SegmentationPreset(name, testScale, m, s);
    }

    public static void save(Path file, Contents c, String dtype) throws IOException {
        SegmentationConfig sc = c.config();
        ModelCard card = new ModelCard(sc.backbone(), Layout.CANONICAL, ModelCard.defaultPreset(Layout.CANONICAL, sc.backbone()),
                c.classNames(), new SegmentationCard(sc, c.palette(), c.mode(), c.preset()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(card.toMetadata());
        Safetensors.write(file, c.tensors(), meta, dtype);
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
        SegmentationPreset preset = SegmentationPredictor.defaultPreset(w);
        String legacy = w.metadata().get(LEGACY_PREPROCESS);
        if (w.card().segmentation().preset() == null && legacy != null) preset = legacyPreset(legacy, file);
        return new Contents(config, SegmentationPredictor.savedClassNames(w), w.card().palette(), w.card().segmentationMode(),
                preset, tensors);
    }

    private static SegmentationPreset legacyPreset(String json, Path file) throws IOException {
        JsonNode n = JSON.readTree(json);
        JsonNode s = n.get("testScale");
        int[] testScale = null;
        if (s != null && !s.isNull()) {
            if (!s.isArray() || s.size() != 2 || s.get(0).asInt() < 1 || s.get(1).asInt() < 1) {
                throw new IllegalArgumentException(file + ": " + LEGACY_PREPROCESS + " testScale must be [w, h] >= 1 or null");
            }
            testScale = new int[] {s.get(0).asInt(), s.get(1).asInt()};
        }
        return preset(testScale, triple(n.get("mean"), file, "mean"), triple(n.get("std"), file, "std"));
    }

    private static float[] triple(JsonNode n, Path file, String what) {
        if (n == null || !n.isArray() || n.size() != 3) throw new IllegalArgumentException(file + ": " + LEGACY_PREPROCESS + " " + what + " needs 3 values");
        float[] v = new float[3];
        for (int i = 0; i < 3; i++) {
            v[i] = (float) n.get(i).asDouble();
            if (!(Float.isFinite(v[i])) || what.equals("std") && !(v[i] > 0)) {
                throw new IllegalArgumentException(file + ": " + LEGACY_PREPROCESS + " " + what + " has an unusable value " + n.get(i));
            }
        }
        return v;
    }
}
