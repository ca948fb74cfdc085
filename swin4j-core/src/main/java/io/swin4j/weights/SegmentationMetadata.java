package io.swin4j.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.model.SegmentationMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a segmentation checkpoint's own metadata says that its tensors cannot: mmseg's {@code meta} dict
 * ({@code meta['config']} / {@code meta['cfg']}, the config as Python text; {@code meta['CLASSES']} /
 * {@code meta['PALETTE']} (mmseg 0.x) or {@code meta['dataset_meta']['classes' / 'palette']} (mmengine)), or the HF
 * {@code config.json} beside the weights. Every field is null when the source does not hold it; {@link #origins()}
 * says where each one that is set came from. Nothing in the metadata is run: the config text is read as data
 * ({@link PythonLiterals}).
 */
public record SegmentationMetadata(int[] poolScales, Boolean alignCorners, Integer numClasses, Integer channels,
                                   Double dropout, Boolean useAuxiliary, Integer auxChannels, Integer auxInIndex,
                                   Integer auxInChannels, Double auxLossWeight, List<String> classNames, int[][] palette,
                                   SegmentationMode mode, Map<String, Integer> backbone,
                                   Map<String, String> origins, List<String> notes) {

    /** Keys of {@link #backbone()}: what the metadata says of the backbone, cross-checked against the tensors. */
    public static final String EMBED_DIM = "embed dim", WINDOW = "window", DEPTHS = "depth of stage ",
            HEADS = "heads of stage ";

    /** At most this many class names or palette entries are read (a hostile file could declare any number). */
    public static final int MAX_CLASSES = 1 << 16;

    private static final ObjectMapper JSON = new ObjectMapper();

    public static SegmentationMetadata none() {
        return new Builder().build();
    }

    /** From a torch checkpoint's {@code meta} entry (null: none). */
    public static SegmentationMetadata fromMmsegMeta(Object meta) {
        Builder b = new Builder();
        if (!(meta instanceof Map<?, ?> m)) return b.build();
        Object text = m.get("config") != null ? m.get("config") : m.get("cfg");
        String textKey = m.get("config") != null ? "meta['config']" : "meta['cfg']";
        if (text instanceof String t) readConfigText(b, t, textKey);
        else if (text != null) b.notes.add(textKey + " is not config text (" + text.getClass().getSimpleName() + "): not read");
        Object dataset = m.get("dataset_meta");
        if (m.get("CLASSES") != null) b.classes(m.get("CLASSES"), "meta['CLASSES']");
        else if (dataset instanceof Map<?, ?> d && d.get("classes") != null) b.classes(d.get("classes"), "meta['dataset_meta']['classes']");
        if (m.get("PALETTE") != null) b.palette(m.get("PALETTE"), "meta['PALETTE']");
        else if (dataset instanceof Map<?, ?> d && d.get("palette") != null) b.palette(d.get("palette"), "meta['dataset_meta']['palette']");
        return b.build();
    }

    private static void readConfigText(Builder b, String text, String where) {
        PythonLiterals.Result r = PythonLiterals.parse(text);
        if (!r.skipped().isEmpty()) b.notes.add(where + ": assignments not read as data: " + r.skipped());
        Map<String, Object> model = map(r.values().get("model"));
        if (model == null) {
            b.notes.add(where + " has no readable model = dict(...)");
            return;
        }
        Map<String, Object> bb = map(model.get("backbone"));
        if (bb != null) {
            b.backbone(bb.get("embed_dims") != null ? bb.get("embed_dims") : bb.get("embed_dim"), bb.get("depths"),
                    bb.get("num_heads"), bb.get("window_size"), where + " model.backbone");
        }
        Map<String, Object> decode = map(model.get("decode_head"));
        String at = where + " model.decode_head.";
        if (decode != null) {
            if (decode.get("type") instanceof String type && !type.equals("UPerHead")) {
                b.notes.add(where + ": decode_head type " + type + " (swin4j runs UPerHead)");
            }
            b.poolScales(decode.get("pool_scales"), at + "pool_scales");
            b.bool("alignCorners", decode.get("align_corners"), at + "align_corners");
            b.integer("numClasses", decode.get("num_classes"), at + "num_classes");
            b.integer("channels", decode.get("channels"), at + "channels");
            b.real("dropout", decode.get("dropout_ratio"), at + "dropout_ratio");
        }
        String aux = where + " model.auxiliary_head";
        if (model.containsKey("auxiliary_head")) {
            Map<String, Object> a = map(model.get("auxiliary_head"));
            b.useAuxiliary = a != null;
            b.origins.put("useAuxiliary", aux);
            if (a != null) {
                b.integer("auxChannels", a.get("channels"), aux + ".channels");
                b.integer("auxInIndex", a.get("in_index"), aux + ".in_index");
                b.integer("auxInChannels", a.get("in_channels"), aux + ".in_channels");
                Object loss = a.get("loss_decode");
                if (loss instanceof List<?> l && !l.isEmpty()) loss = l.get(0);
                Map<String, Object> lm = map(loss);
                if (lm != null) b.real("auxLossWeight", lm.get("loss_weight"), aux + ".loss_decode.loss_weight");
            }
        }
        Map<String, Object> test = map(model.get("test_cfg"));
        String testAt = where + " model.test_cfg";
        if (test == null) {
            test = map(r.values().get("test_cfg"));
            testAt = where + " test_cfg";
        }
        if (test != null) b.mode(test, testAt);
    }

    /**
     * From an HF {@code UperNetForSemanticSegmentation} directory's {@code config.json} (null or absent: none).
     *
     * @throws IOException when it exists but is not readable JSON (the message names it)
     */
    public static SegmentationMetadata fromHfConfig(Path configJson) throws IOException {
        Builder b = new Builder();
        if (configJson == null || !Files.isRegularFile(configJson)) return b.build();
        JsonNode c;
        try {
            if (Files.size(configJson) > PythonLiterals.MAX_TEXT * 8L) {
                throw new IOException(configJson + ": " + Files.size(configJson) + " bytes, too large for a config.json");
            }
            c = JSON.readTree(configJson.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(configJson + ": not readable JSON: " + e.getOriginalMessage(), e);
        }
        if (c == null || !c.isObject()) throw new IOException(configJson + ": not a JSON object");
        String at = configJson.getFileName() + " ";
        JsonNode bc = c.get("backbone_config");
        if (bc != null && bc.isObject()) {
            b.backbone(bc.has("embed_dim") ? bc.get("embed_dim").asInt() : null,
                    bc.has("depths") ? JSON.convertValue(bc.get("depths"), List.class) : null,
                    bc.has("num_heads") ? JSON.convertValue(bc.get("num_heads"), List.class) : null,
                    bc.has("window_size") ? bc.get("window_size").asInt() : null, at + "backbone_config");
        }
        if (c.has("pool_scales")) b.poolScales(JSON.convertValue(c.get("pool_scales"), List.class), at + "pool_scales");
        b.alignCorners = false;
        b.origins.put("alignCorners", "HF UperNet (align_corners=False in modeling_upernet)");
        if (c.has("hidden_size")) b.integer("channels", c.get("hidden_size").asInt(), at + "hidden_size");
        if (c.has("use_auxiliary_head")) {
            b.useAuxiliary = c.get("use_auxiliary_head").asBoolean();
            b.origins.put("useAuxiliary", at + "use_auxiliary_head");
        }
        if (c.has("auxiliary_channels")) b.integer("auxChannels", c.get("auxiliary_channels").asInt(), at + "auxiliary_channels");
        if (c.has("auxiliary_in_channels")) {
            b.integer("auxInChannels", c.get("auxiliary_in_channels").asInt(), at + "auxiliary_in_channels");
        }
        if (c.has("auxiliary_loss_weight")) b.real("auxLossWeight", c.get("auxiliary_loss_weight").asDouble(), at + "auxiliary_loss_weight");
        if (c.has("auxiliary_num_convs") && c.get("auxiliary_num_convs").asInt() != 1) {
            b.notes.add(at + "auxiliary_num_convs " + c.get("auxiliary_num_convs") + " (the tensors decide)");
        }
        JsonNode labels = c.get("id2label");
        if (labels != null && labels.isObject() && labels.size() > 0 && labels.size() <= MAX_CLASSES) {
            Map<Integer, String> byId = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
                } catch (NumberFormatException ex) {
                    b.notes.add(at + "id2label key '" + e.getKey() + "' is not an index: labels not read");
                    byId = null;
                    break;
                }
            }
            if (byId != null) {
                List<String> names = new ArrayList<>(byId.values());
                boolean dense = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) == names.size() - 1;
                // transformers writes LABEL_0, LABEL_1 ... when no names were given: those are not names
                boolean generic = names.stream().allMatch(n -> n.matches("LABEL_\\d+"));
                if (!dense) b.notes.add(at + "id2label indices are not 0.." + (names.size() - 1) + ": labels not read");
                else if (!generic) b.classes(names, at + "id2label");
                b.integer("numClasses", names.size(), at + "id2label (count)");
            }
        }
        return b.build();
    }

    // ---------------------------------------------------------------- building

    /** A value shown in a note: bounded, and never walking into containers (the metadata may be self-containing). */
    static String brief(Object v) {
        if (v instanceof Map<?, ?> m) return "a dict of " + m.size();
        if (v instanceof List<?> l) return "a list of " + l.size();
        if (v instanceof Object[] a) return "a tuple of " + a.length;
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    }

    private static final class Builder {
        int[] poolScales;
        Boolean alignCorners, useAuxiliary;
        Integer numClasses, channels, auxChannels, auxInIndex, auxInChannels;
        Double dropout, auxLossWeight;
        List<String> classNames;
        int[][] palette;
        SegmentationMode mode;
        final Map<String, Integer> backbone = new LinkedHashMap<>();
        final Map<String, String> origins = new LinkedHashMap<>();
        final List<String> notes = new ArrayList<>();

        SegmentationMetadata build() {
            return new SegmentationMetadata(poolScales, alignCorners, numClasses, channels, dropout, useAuxiliary,
                    auxChannels, auxInIndex, auxInChannels, auxLossWeight, classNames, palette, mode, backbone, origins,
                    notes);
        }

        void poolScales(Object v, String where) {
            int[] s = ints(v);
            if (s == null || s.length == 0 || s.length > 64 || java.util.Arrays.stream(s).anyMatch(x -> x < 1 || x > 1024)) {
                if (v != null) notes.add(where + " is not a list of pool sizes (" + brief(v) + "): not used");
                return;
            }
            poolScales = s;
            origins.put("poolScales", where);
        }

        void bool(String field, Object v, String where) {
            if (v == null) return;
            if (!(v instanceof Boolean bv)) {
                notes.add(where + " is not True/False (" + brief(v) + "): not used");
                return;
            }
            if (field.equals("alignCorners")) alignCorners = bv;
            origins.put(field, where);
        }

        void integer(String field, Object v, String where) {
            if (!(v instanceof Integer i) || i < 0) {
                if (v != null) notes.add(where + " is not a count (" + brief(v) + "): not used");
                return;
            }
            switch (field) {
                case "numClasses" -> numClasses = i;
                case "channels" -> channels = i;
                case "auxChannels" -> auxChannels = i;
                case "auxInIndex" -> auxInIndex = i;
                case "auxInChannels" -> auxInChannels = i;
                default -> throw new IllegalStateException(field);
            }
            origins.put(field, where);
        }

        void real(String field, Object v, String where) {
            if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < 0) {
                if (v != null) notes.add(where + " is not a number (" + brief(v) + "): not used");
                return;
            }
            if (field.equals("dropout")) dropout = n.doubleValue();
            else auxLossWeight = n.doubleValue();
            origins.put(field, where);
        }

        void classes(Object v, String where) {
            List<?> l = list(v);
            if (l == null || l.isEmpty() || l.size() > MAX_CLASSES || !l.stream().allMatch(x -> x instanceof String)) {
                notes.add(where + " is not a list of class names: not used");
                return;
            }
            classNames = l.stream().map(x -> (String) x).toList();
            origins.put("classNames", where);
        }

        void palette(Object v, String where) {
            List<?> l = list(v);
            int[][] p = l == null || l.size() > MAX_CLASSES ? null : new int[l.size()][];
            for (int i = 0; p != null && i < p.length; i++) {
                int[] rgb = ints(l.get(i));
                if (rgb == null || rgb.length != 3 || java.util.Arrays.stream(rgb).anyMatch(x -> x < 0 || x > 255)) p = null;
                else p[i] = rgb;
            }
            if (p == null || p.length == 0) {
                notes.add(where + " is not a list of RGB triples 0..255 (a numpy array is not read): not used");
                return;
            }
            palette = p;
            origins.put("palette", where);
        }

        /** embed dim (mmseg 0.x embed_dim, mmseg 1.x embed_dims, HF embed_dim), depths, heads, window. */
        void backbone(Object embed, Object depths, Object heads, Object window, String where) {
            if (embed instanceof Integer e) backbone.put(EMBED_DIM, e);
            if (window instanceof Integer w) backbone.put(WINDOW, w);
            int[] d = ints(depths), h = ints(heads);
            for (int i = 0; d != null && i < d.length && i < 16; i++) backbone.put(DEPTHS + i, d[i]);
            for (int i = 0; h != null && i < h.length && i < 16; i++) backbone.put(HEADS + i, h[i]);
            if (!backbone.isEmpty()) origins.put("backbone", where);
        }

        void mode(Map<String, Object> test, String where) {
            Object m = test.get("mode");
            if ("slide".equals(m)) {
                int[] crop = ints(test.get("crop_size")), stride = ints(test.get("stride"));
                if (crop == null || stride == null || crop.length != 2 || stride.length != 2
                        || java.util.Arrays.stream(crop).anyMatch(x -> x < 1) || java.util.Arrays.stream(stride).anyMatch(x -> x < 1)) {
                    notes.add(where + ": slide mode without a readable crop_size/stride: whole mode used");
                    return;
                }
                mode = new SegmentationMode(SegmentationMode.Kind.SLIDE, crop[0], crop[1], stride[0], stride[1], false);
            } else if ("whole".equals(m)) {
                mode = SegmentationMode.whole();
            } else {
                if (m != null) notes.add(where + ": test mode " + brief(m) + " (whole or slide expected): not used");
                return;
            }
            origins.put("mode", where);
        }

        private static List<?> list(Object v) {
            if (v instanceof List<?> l) return l;
            if (v instanceof Object[] a) return java.util.Arrays.asList(a);
            return null;
        }

        private static int[] ints(Object v) {
            List<?> l = list(v);
            if (l == null || l.size() > MAX_CLASSES) return null;
            int[] out = new int[l.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(l.get(i) instanceof Integer n)) return null;
                out[i] = n;
            }
            return out;
        }
    }
}
