package io.swin4j.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.vision.SegmentationPreset;

/**
 * A {@link SegmentationCard} as the {@code swin4j.segmentation} metadata value (JSON; the backbone is the card's
 * {@code swin4j.config}), and back with every field checked: the metadata comes from whoever wrote the file.
 */
final class SegmentationCards {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_CHANNELS = 1 << 16;

    private SegmentationCards() {}

    static String toJson(SegmentationCard card) throws JsonProcessingException {
        SegmentationConfig c = card.config();
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
        ArrayNode palette = o.putArray("palette");
        for (int[] rgb : card.palette()) palette.addArray().add(rgb[0]).add(rgb[1]).add(rgb[2]);
        SegmentationMode m = card.mode();
        ObjectNode mode = o.putObject("mode");
        mode.put("kind", m.kind().name().toLowerCase(java.util.Locale.ROOT));
        mode.put("cropHeight", m.cropHeight());
        mode.put("cropWidth", m.cropWidth());
        mode.put("strideHeight", m.strideHeight());
        mode.put("strideWidth", m.strideWidth());
        mode.put("flip", m.flip());
        SegmentationPreset p = card.preset();
        if (p != null) {
            ObjectNode pre = o.putObject("preset");
            pre.put("name", p.name());
            if (p.scale() == null) pre.putNull("scale");
            else pre.putArray("scale").add(p.scale()[0]).add(p.scale()[1]);
            ArrayNode mean = pre.putArray("mean"), std = pre.putArray("std");
            for (double v : p.mean()) mean.add(v);
            for (double v : p.std()) std.add(v);
        }
        return JSON.writeValueAsString(o);
    }

    /** @throws IllegalArgumentException naming the field that is missing or out of range */
    static SegmentationCard fromJson(String json, SwinConfig backbone) {
        JsonNode o;
        try {
            o = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not readable JSON: " + e.getOriginalMessage(), e);
        }
        if (o == null || !o.isObject()) throw new IllegalArgumentException("not a JSON object");
        int classes = count(o, "numClasses", 1, MAX_CHANNELS);
        int channels = count(o, "channels", 1, MAX_CHANNELS);
        JsonNode s = o.get("poolScales");
        if (s == null || !s.isArray() || s.isEmpty() || s.size() > 64) {
            throw new IllegalArgumentException("poolScales must be a list of 1 to 64 sizes");
        }
        int[] scales = new int[s.size()];
        for (int i = 0; i < scales.length; i++) scales[i] = count(s.get(i), "poolScales[" + i + "]", 1, 1024);
        boolean align = bool(o, "alignCorners");
        double dropout = real(o, "dropout", 0, 1);
        int aux = count(o, "auxChannels", 0, MAX_CHANNELS);
        int auxIn = aux == 0 ? integer(o, "auxInIndex", -1, backbone.numStages() - 1)
                : count(o, "auxInIndex", 0, backbone.numStages() - 1);
        double auxWeight = real(o, "auxLossWeight", 0, 1e6);
        SegmentationConfig c = new SegmentationConfig(backbone, classes, channels, scales, align, dropout, aux, auxIn, auxWeight);
        JsonNode p = o.get("palette");
        if (p == null || !p.isArray() || p.size() != classes) {
            throw new IllegalArgumentException("palette must hold one RGB triple per class (" + classes + ")");
        }
        int[][] palette = new int[classes][3];
        for (int i = 0; i < classes; i++) {
            JsonNode rgb = p.get(i);
            if (rgb == null || !rgb.isArray() || rgb.size() != 3) throw new IllegalArgumentException("palette[" + i + "] is not an RGB triple");
            for (int ch = 0; ch < 3; ch++) palette[i][ch] = count(rgb.get(ch), "palette[" + i + "]", 0, 255);
        }
        JsonNode m = o.get("mode");
        if (m == null || !m.isObject()) throw new IllegalArgumentException("mode is missing");
        String kind = m.path("kind").asText("");
        SegmentationMode mode;
        if (kind.equals("whole")) {
            mode = SegmentationMode.whole();
        } else if (kind.equals("slide")) {
            mode = new SegmentationMode(SegmentationMode.Kind.SLIDE, count(m, "cropHeight", 1, MAX_CHANNELS),
                    count(m, "cropWidth", 1, MAX_CHANNELS), count(m, "strideHeight", 1, MAX_CHANNELS),
                    count(m, "strideWidth", 1, MAX_CHANNELS), false);
        } else {
            throw new IllegalArgumentException("mode.kind '" + kind + "' (whole or slide)");
        }
        mode = mode.optFlip(bool(m, "flip"));
        return new SegmentationCard(c, palette, mode, preset(o.get("preset")));
    }

    /** The optional test transform: {"name", "scale": [long, short] or null, "mean": [3], "std": [3]} (0..255). */
    private static SegmentationPreset preset(JsonNode p) {
        if (p == null || p.isNull()) return null;
        if (!p.isObject()) throw new IllegalArgumentException("preset must be an object");
        JsonNode n = p.get("name");
        if (n == null || !n.isTextual() || n.asText().isEmpty() || n.asText().length() > 200) {
            throw new IllegalArgumentException("preset.name must be a non-empty string");
        }
        JsonNode s = p.get("scale");
        int[] scale = null;
        if (s != null && !s.isNull()) {
            if (!s.isArray() || s.size() != 2) throw new IllegalArgumentException("preset.scale must be [long, short] or null");
            scale = new int[] {count(s.get(0), "preset.scale[0]", 1, MAX_CHANNELS), count(s.get(1), "preset.scale[1]", 1, MAX_CHANNELS)};
        }
        return new SegmentationPreset(n.asText(), scale, triple(p, "mean", 0, 255), triple(p, "std", 1e-6, 1e6));
    }

    private static double[] triple(JsonNode p, String field, double min, double max) {
        JsonNode a = p.get(field);
        if (a == null || !a.isArray() || a.size() != 3) throw new IllegalArgumentException("preset." + field + " needs 3 values");
        double[] v = new double[3];
        for (int i = 0; i < 3; i++) {
            JsonNode x = a.get(i);
            if (!x.isNumber() || !Double.isFinite(x.asDouble()) || x.asDouble() < min || x.asDouble() > max) {
                throw new IllegalArgumentException("preset." + field + "[" + i + "] must be a number in " + min + ".." + max + ", is " + x);
            }
            v[i] = x.asDouble();
        }
        return v;
    }

    private static int count(JsonNode o, String field, int min, int max) {
        JsonNode v = o.isObject() ? o.get(field) : o;
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw new IllegalArgumentException(field + " must be an integer in " + min + ".." + max + ", is " + v);
        }
        return v.asInt();
    }

    private static int integer(JsonNode o, String field, int min, int max) {
        return count(o, field, min, max);
    }

    private static boolean bool(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isBoolean()) throw new IllegalArgumentException(field + " must be true or false, is " + v);
        return v.asBoolean();
    }

    private static double real(JsonNode o, String field, double min, double max) {
        JsonNode v = o.get(field);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < min || v.asDouble() > max) {
            throw new IllegalArgumentException(field + " must be a number in " + min + ".." + max + ", is " + v);
        }
        return v.asDouble();
    }
}
