package io.swin4j.weights;

import io.swin4j.tensor.HostTensor;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.weights.io.Checkpoint;
import io.swin4j.weights.io.CheckpointReader;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.CanonicalKeys;
import io.swin4j.weights.layout.ConfigInference;
import io.swin4j.weights.layout.HeadMapping;
import io.swin4j.weights.layout.Layout;
import io.swin4j.weights.layout.LayoutConverter;
import io.swin4j.weights.layout.LayoutDetector;
import io.swin4j.weights.layout.LoadReport;
import io.swin4j.weights.layout.Resampling;
import io.swin4j.weights.layout.UnknownLayoutException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A checkpoint of any supported layout, converted to canonical names, with its config and a loading
 * report. The one way every command and API loads weights: read, detect the layout, convert, infer the
 * config (cross-checked against a preset when one is named), then build a {@link SwinTransformer}.
 */
public final class SwinWeights {

    /** Safetensors metadata keys written by {@link #saveSafetensors}. */
    public static final String META_CONFIG = "swin4j.config", META_LAYOUT = "swin4j.source_layout";
    /** Optional metadata of models swin4j trained: the evaluation preprocessing (JSON) and class names (JSON array). */
    public static final String META_PRESET = "swin4j.preset", META_LABELS = "swin4j.labels";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Layout layout;
    private final SwinConfig config;
    private final Map<String, HostTensor> tensors;
    private final LoadReport report;
    private final boolean strict;
    private final Map<String, String> metadata;

    private SwinWeights(Path file, Layout layout, SwinConfig config, Map<String, HostTensor> tensors, LoadReport report,
                        boolean strict, Map<String, String> metadata) {
        this.file = file;
        this.layout = layout;
        this.config = config;
        this.tensors = tensors;
        this.report = report;
        this.strict = strict;
        this.metadata = metadata;
    }

    public static SwinWeights load(Path file) throws IOException {
        return load(file, LoadOptions.defaults());
    }

    /**
     * @throws IOException                          unreadable, corrupt or hostile file (message names it)
     * @throws UnknownLayoutException               keys of no known layout
     * @throws LoadReport.CheckpointMismatchException strict loading found missing/unexpected/mis-shaped keys
     */
    public static SwinWeights load(Path file, LoadOptions options) throws IOException {
        Checkpoint ck = CheckpointReader.read(file, options.lenient());
        Layout layout;
        try {
            layout = LayoutDetector.detect(ck.tensors().keySet());
        } catch (UnknownLayoutException e) {
            throw new UnknownLayoutException(file + ": " + e.getMessage());
        }
        LayoutConverter.ConversionResult converted = LayoutConverter.toCanonical(ck.tensors(), layout);
        List<String> notes = new ArrayList<>(ck.notes());
        if (converted.extras().remove(LayoutConverter.IDENTITY_NORM_MARKER) != null) {
            notes.add("the checkpoint has no final norm (an mmdet backbone): an identity LayerNorm is used, so the "
                    + "embedding is the normalised last stage without affine parameters");
        }
        if (!converted.extras().isEmpty()) {
            notes.add("layout-specific tensors not used by the model: " + converted.extras().keySet());
        }
        SwinConfig config;
        try {
            config = savedConfig(ck.metadata());
            if (config == null) config = ConfigInference.infer(converted.canonical(), layout.sizeRule());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        // Files swin4j wrote are canonical; the layout they came from still decides preprocessing defaults.
        String saved = ck.metadata().get(META_LAYOUT);
        if (saved != null) {
            try {
                layout = Layout.valueOf(saved);
            } catch (IllegalArgumentException e) {
                notes.add("unknown source layout '" + saved + "' in metadata; using " + layout);
            }
        }
        if (options.preset() != null) {
            SwinConfig preset = SwinConfig.preset(options.preset());
            List<String> diffs = ConfigInference.check(config, preset);
            if (!diffs.isEmpty()) {
                if (options.strict()) {
                    throw new LoadReport.CheckpointMismatchException(file + ": does not match preset " + options.preset()
                            + ":\n  " + String.join("\n  ", diffs));
                }
                notes.add("differs from preset " + options.preset() + ": " + String.join("; ", diffs));
            }
            config = preset.toBuilder().optSizeRule(layout.sizeRule()).build();
        }
        LoadReport report = LoadReport.compare(CanonicalKeys.expected(config), converted.canonical(),
                converted.unexpected(), converted.ignoredBuffers(), notes);
        if (options.strict()) report.requireClean(file.toString());
        return new SwinWeights(file, layout, config, converted.canonical(), report, options.strict(), ck.metadata());
    }

    private static SwinConfig savedConfig(Map<String, String> metadata) throws IOException {
        String json = metadata.get(META_CONFIG);
        return json == null ? null : JSON.readValue(json, SwinConfig.class);
    }

    public Path file() { return file; }

    public Layout layout() { return layout; }

    public SwinConfig config() { return config; }

    /** Canonical (official-named) tensors. */
    public Map<String, HostTensor> tensors() { return tensors; }

    public LoadReport report() { return report; }

    /** A model holding these weights. Non-strict loads initialise missing or mis-shaped parameters. */
    public SwinTransformer createModel() {
        Map<String, long[]> expected = CanonicalKeys.expected(config);
        Map<String, HostTensor> usable = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            long[] shape = expected.get(k);
            if (shape != null && Arrays.equals(shape, v.shape())) usable.put(k, v);
        });
        return SwinTransformer.fromWeights(config, usable, !strict, 0);
    }

    /** The weights adapted to window {@code n} (bias tables resized bicubically, as official load_pretrained). */
    public SwinWeights withWindowSize(int n) {
        return retarget(config.toBuilder().optWindowSize(n).optName(renamed("window" + config.windowSize(), "window" + n)).build());
    }

    /** The weights adapted to input size {@code n} (per-stage windows and absolute_pos_embed follow). */
    public SwinWeights withImgSize(int n) {
        return retarget(config.toBuilder().optImgSize(n).optName(renamed("_" + config.imgSize(), "_" + n)).build());
    }

    private String renamed(String from, String to) {
        return config.name().contains(from) ? config.name().replace(from, to) : config.name();
    }

    private SwinWeights retarget(SwinConfig target) {
        List<String> notes = new ArrayList<>(report.notes());
        Map<String, HostTensor> resized = Resampling.retarget(tensors, target, notes);
        return withTensors(target, resized, notes);
    }

    /** A 21841-class head reduced to the 1000 ImageNet-1K rows ({@code mapping} null: the official map). */
    public SwinWeights withHead22kTo1k(Path mapping) throws IOException {
        int[] idx = mapping == null ? HeadMapping.official22kTo1k() : HeadMapping.read(mapping);
        List<String> notes = new ArrayList<>(report.notes());
        notes.add("head mapped 21841 -> 1000 classes (" + (mapping == null ? "official map22kto1k.txt" : mapping) + ")");
        SwinConfig target = config.toBuilder().optNumClasses(HeadMapping.CLASSES_1K)
                .optName(config.name().replace("_in22k", "")).build();
        return withTensors(target, HeadMapping.selectRows(tensors, idx), notes);
    }

    private SwinWeights withTensors(SwinConfig target, Map<String, HostTensor> newTensors, List<String> notes) {
        LoadReport r = LoadReport.compare(CanonicalKeys.expected(target), newTensors, report.unexpected(),
                report.ignoredBuffers(), notes);
        if (strict) r.requireClean(file.toString());
        return new SwinWeights(file, layout, target, newTensors, r, strict, metadata);
    }

    /**
     * Writes the canonical layout with the config in the metadata, so that loading it back is exact; the preset and
     * labels metadata of the source (if any) are kept.
     */
    public void saveSafetensors(Path out, String dtype) throws IOException {
        Map<String, String> extra = new LinkedHashMap<>();
        for (String k : List.of(META_PRESET, META_LABELS)) {
            if (metadata.containsKey(k)) extra.put(k, metadata.get(k));
        }
        save(out, config, layout, tensors, extra, dtype);
    }

    /** Writes canonical tensors with swin4j's metadata (config, source layout, then {@code extra}). */
    public static void save(Path out, SwinConfig config, Layout layout, Map<String, HostTensor> tensors,
                            Map<String, String> extra, String dtype) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(META_CONFIG, JSON.writeValueAsString(config));
        meta.put(META_LAYOUT, layout.name());
        meta.putAll(extra);
        Safetensors.write(out, tensors, meta, dtype);
    }

    /** The file's metadata (safetensors header or empty). */
    public Map<String, String> metadata() { return metadata; }

    /** Facts for {@code swin inspect --json}. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file.toString());
        m.put("layout", layout.name());
        m.put("layoutDescription", layout.description());
        m.put("config", config);
        m.put("parameters", tensors.values().stream().mapToLong(HostTensor::numel).sum());
        m.put("dtypes", dtypeCounts());
        m.put("clean", report.isClean());
        m.put("missing", report.missing());
        m.put("unexpected", report.unexpected());
        m.put("shapeMismatches", report.shapeMismatches());
        m.put("ignoredBuffers", report.ignoredBuffers().size());
        m.put("notes", report.notes());
        m.put("metadata", metadata);
        return m;
    }

    private Map<String, Long> dtypeCounts() {
        Map<String, Long> counts = new TreeMap<>();
        tensors.values().forEach(t -> counts.merge(t.sourceDType(), t.numel(), Long::sum));
        return counts;
    }

    /** Human-readable report for {@code swin inspect}. */
    public String describe() {
        SwinConfig c = config;
        StringBuilder sb = new StringBuilder();
        sb.append(file).append('\n');
        sb.append("  layout      ").append(layout).append(" (").append(layout.description()).append(")\n");
        sb.append("  config      ").append(c.name()).append(": embed ").append(c.embedDim()).append(", depths ")
                .append(Arrays.toString(c.depths())).append(", heads ").append(Arrays.toString(c.numHeads()))
                .append(", window ").append(c.windowSize()).append(", patch ").append(c.patchSize())
                .append(", img ").append(c.imgSize()).append(", classes ").append(c.numClasses())
                .append(", mlp ratio ").append(c.mlpRatio()).append(", size rule ").append(c.sizeRule()).append('\n');
        long params = tensors.values().stream().mapToLong(HostTensor::numel).sum();
        sb.append("  parameters  ").append(String.format("%,d", params)).append(" (model needs ")
                .append(String.format("%,d", CanonicalKeys.parameterCount(c))).append(")\n");
        sb.append("  dtypes      ").append(dtypeCounts()).append('\n');
        report.notes().forEach(n -> sb.append("  note        ").append(n).append('\n'));
        sb.append(report.isClean() ? "  status      OK\n" : "  status      PROBLEMS\n");
        sb.append(report);
        return sb.toString();
    }
}
