package io.swin4j.train.segmentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.PillowResize;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.Layout;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained segmentation model as swin4j safetensors: the canonical tensors (the official seg repo's names, BatchNorm
 * running statistics included) and a model card in the metadata — the backbone config and class names as a
 * classifier's card has them ({@code swin4j.config}, {@code swin4j.labels}, ...), {@code swin4j.task} =
 * segmentation, {@code swin4j.segmentation} (head config, palette and test mode, in the JSON the segmentation model
 * card reads) and {@code swin4j.seg_preprocess} (mean, std of 0–255 pixels and the test resize scale).
 */
public final class SegmentationModelFile {

    public static final String META_TASK = "swin4j.task", META_SEGMENTATION = "swin4j.segmentation",
            META_PREPROCESS = "swin4j.seg_preprocess";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a file holds. */
    public record Contents(SegmentationConfig config, List<String> classNames, int[][] palette, SegmentationMode mode,
                           float[] mean, float[] std, int[] testScale, Map<String, HostTensor> tensors) {

        /** The test pipeline the model was evaluated with. */
        public SegmentationTestTransform testTransform() {
            return new SegmentationTestTransform(testScale, mean, std);
        }
    }

    private SegmentationModelFile() {}

    public static void save(Path file, Contents c, String dtype) throws IOException {
        SegmentationConfig sc = c.config();
        SwinConfig backbone = sc.backbone().toBuilder().optNumClasses(sc.numClasses()).build();
        float[] mean01 = new float[3], std01 = new float[3];
        for (int i = 0; i < 3; i++) {
            mean01[i] = c.mean()[i] / 255f;
            std01[i] = c.std()[i] / 255f;
        }
        int shortSide = Math.min(c.testScale()[0], c.testScale()[1]);
        // The classifier-card part: a shorter-side resize to the test scale's short side (what mmseg's keep-ratio resize
        // gives for images within its long-side limit), bilinear, the normalisation of the run.
        EvalPreset preset = new EvalPreset("mmseg_" + shortSide, shortSide, null, new int[] {shortSide, shortSide},
                PillowResize.Filter.BILINEAR, mean01, std01);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(new ModelCard(backbone, Layout.OFFICIAL, preset, c.classNames()).toMetadata());
        meta.put(META_TASK, "segmentation");
        meta.put(META_SEGMENTATION, cardJson(sc, c.palette(), c.mode()));
        ObjectNode pre = JSON.createObjectNode();
        pre.set("mean", floats(c.mean()));
        pre.set("std", floats(c.std()));
        pre.putArray("testScale").add(c.testScale()[0]).add(c.testScale()[1]);
        meta.put(META_PREPROCESS, JSON.writeValueAsString(pre));
        Safetensors.write(file, c.tensors(), meta, dtype);
    }

    private static ArrayNode floats(float[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (float f : v) a.add(f);
        return a;
    }

    /** The {@code swin4j.segmentation} value: head config, palette, test mode. */
    static String cardJson(SegmentationConfig c, int[][] palette, SegmentationMode m) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("numClasses", c.numClasses());
        o.put("channels", c.channels());
        ArrayNode scales = o.putArray("poolScales");
        for (int s : c.poolScales()) scales.add(s);
        o.put("alignCorners", c.alignCorners());
        o.put("dropout", c.dropout());
        o.put("auxChannels", c.auxChannels());
        o.put("auxInIndex", c.auxInIndex());
        o.put("auxLossWeight", c.auxLossWeight());
        ArrayNode p = o.putArray("palette");
        for (int[] rgb : palette) p.addArray().add(rgb[0]).add(rgb[1]).add(rgb[2]);
        ObjectNode mode = o.putObject("mode");
        mode.put("kind", m.kind().name().toLowerCase(java.util.Locale.ROOT));
        mode.put("cropHeight", m.cropHeight());
        mode.put("cropWidth", m.cropWidth());
        mode.put("strideHeight", m.strideHeight());
        mode.put("strideWidth", m.strideWidth());
        mode.put("flip", m.flip());
        return JSON.writeValueAsString(o);
    }

    /**
     * Reads a file {@link #save} wrote.
     *
     * @throws IllegalArgumentException when the file is not a swin4j segmentation model (naming what is missing)
     */
    public static Contents load(Path file) throws IOException {
        Safetensors.Contents st = Safetensors.read(file);
        Map<String, String> meta = st.metadata();
        if (!"segmentation".equals(meta.get(META_TASK)) || meta.get(META_SEGMENTATION) == null) {
            throw new IllegalArgumentException(file + ": not a swin4j segmentation model (no " + META_TASK + " = segmentation metadata)");
        }
        SwinConfig backbone = ModelCard.savedConfig(meta, file.toString());
        JsonNode o = JSON.readTree(meta.get(META_SEGMENTATION));
        int k = o.get("numClasses").asInt();
        int[] scales = new int[o.get("poolScales").size()];
        for (int i = 0; i < scales.length; i++) scales[i] = o.get("poolScales").get(i).asInt();
        SegmentationConfig config = new SegmentationConfig(backbone, k, o.get("channels").asInt(), scales,
                o.get("alignCorners").asBoolean(), o.get("dropout").asDouble(), o.get("auxChannels").asInt(),
                o.get("auxInIndex").asInt(), o.get("auxLossWeight").asDouble());
        int[][] palette = new int[k][3];
        for (int i = 0; i < k; i++) for (int c = 0; c < 3; c++) palette[i][c] = o.get("palette").get(i).get(c).asInt();
        JsonNode m = o.get("mode");
        SegmentationMode mode = m.get("kind").asText().equals("slide")
                ? SegmentationMode.slide(m.get("cropHeight").asInt(), m.get("cropWidth").asInt(), m.get("strideHeight").asInt(),
                m.get("strideWidth").asInt()) : SegmentationMode.whole();
        mode = mode.optFlip(m.path("flip").asBoolean(false));
        List<String> names = new ArrayList<>();
        JsonNode labels = JSON.readTree(meta.getOrDefault(ModelCard.META_LABELS, "null"));
        if (labels != null && labels.isArray()) labels.forEach(n -> names.add(n.asText()));
        else for (int i = 0; i < k; i++) names.add("class" + i);
        JsonNode pre = JSON.readTree(meta.getOrDefault(META_PREPROCESS, "{}"));
        float[] mean = {123.675f, 116.28f, 103.53f}, std = {58.395f, 57.12f, 57.375f};
        int[] testScale = {2048, 512};
        if (pre.has("mean")) for (int i = 0; i < 3; i++) mean[i] = (float) pre.get("mean").get(i).asDouble();
        if (pre.has("std")) for (int i = 0; i < 3; i++) std[i] = (float) pre.get("std").get(i).asDouble();
        if (pre.has("testScale")) testScale = new int[] {pre.get("testScale").get(0).asInt(), pre.get("testScale").get(1).asInt()};
        return new Contents(config, List.copyOf(names), palette, mode, mean, std, testScale, st.tensors());
    }
}
