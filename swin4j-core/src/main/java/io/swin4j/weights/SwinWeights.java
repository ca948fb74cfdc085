package io.swin4j.weights;

import io.swin4j.tensor.HostTensor;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinTransformer;
import io.swin4j.weights.io.Checkpoint;
import io.swin4j.weights.io.CheckpointReader;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.AdapterFamily;
import io.swin4j.weights.layout.Adapters;
import io.swin4j.weights.layout.CanonicalKeys;
import io.swin4j.weights.layout.CheckpointAdapter;
import io.swin4j.weights.layout.ConfigInference;
import io.swin4j.weights.layout.ConversionResult;
import io.swin4j.weights.layout.HeadMapping;
import io.swin4j.weights.layout.Layout;
import io.swin4j.weights.layout.LayoutConverter;
import io.swin4j.weights.layout.LayoutHints;
import io.swin4j.weights.layout.LoadReport;
import io.swin4j.weights.layout.SegmentationAdapters;
import io.swin4j.weights.layout.SegmentationKeys;
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


    private final Path file;
    private final Layout layout;
    private final SwinConfig config;
    private final Map<String, HostTensor> tensors;
    private final LoadReport report;
    private final boolean strict;
    private final Map<String, String> metadata;
    /** The int8 state of an int8 file ({@link Int8Weights}), else null. */
    private final Int8Weights.State int8;
    /** {@link #card()}, read from the metadata on first use (each instance has one config, so one card). */
    private volatile ModelCard card;
    /** Where each segmentation value came from (tensors, metadata, defaults); empty for a classifier. */
    private final Map<String, String> segmentationSources;

    private SwinWeights(Path file, Layout layout, SwinConfig config, Map<String, HostTensor> tensors, LoadReport report,
                        boolean strict, Map<String, String> metadata, Int8Weights.State int8) {
        this(file, layout, config, tensors, report, strict, metadata, int8, null, Map.of());
    }

    /** @param segmentationCard the card of a segmentation checkpoint (fixed at load), null for a classifier */
    private SwinWeights(Path file, Layout layout, SwinConfig config, Map<String, HostTensor> tensors, LoadReport report,
                        boolean strict, Map<String, String> metadata, Int8Weights.State int8, ModelCard segmentationCard,
                        Map<String, String> segmentationSources) {
        this.file = file;
        this.layout = layout;
        this.config = config;
        this.tensors = tensors;
        this.report = report;
        this.strict = strict;
        this.metadata = metadata;
        this.int8 = int8;
        this.card = segmentationCard;
        this.segmentationSources = Map.copyOf(segmentationSources);
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
        // An int8 file is canonical fp32 at this edge (its weights dequantized) plus the state that re-quantizes them.
        Int8Weights.Split split = Int8Weights.split(ck);
        ck = new Checkpoint(ck.file(), ck.format(), split.tensors(), ck.metadata(), ck.notes(), ck.meta());
        if (SegmentationAdapters.isSegmentation(ck.tensors().keySet())) {
            if (split.state() != null) throw new IllegalArgumentException(file + ": int8 segmentation checkpoints are not supported");
            SegmentationLoader.Loaded seg;
            try {
                seg = SegmentationLoader.load(ck, options);
            } catch (UnknownLayoutException e) {
                throw new UnknownLayoutException(file + ": " + e.getMessage());
            } catch (IllegalArgumentException e) {
                if (e instanceof LoadReport.CheckpointMismatchException || String.valueOf(e.getMessage()).startsWith(file.toString())) {
                    throw e;
                }
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
            return new SwinWeights(file, seg.layout(), seg.backbone(), seg.tensors(), seg.report(), options.strict(),
                    ck.metadata(), null, seg.card(), seg.sources());
        }
        CheckpointAdapter adapter;
        try {
            adapter = Adapters.detect(ck.tensors().keySet());
        } catch (UnknownLayoutException e) {
            throw new UnknownLayoutException(file + ": " + e.getMessage());
        }
        ConversionResult converted = adapter.toCanonical(ck.tensors());
        List<String> notes = new ArrayList<>(ck.notes());
        notes.addAll(converted.hints().notes());
        if (converted.extras().remove(LayoutConverter.IDENTITY_NORM_MARKER) != null) {
            notes.add("the checkpoint has no final norm (an mmdet backbone): an identity LayerNorm is used, so the "
                    + "embedding is the normalised last stage without affine parameters");
        }
        if (!converted.extras().isEmpty()) {
            notes.add("layout-specific tensors not used by the model: " + converted.extras().keySet());
        }
        SwinConfig config;
        LayoutHints hints = converted.hints();
        try {
            config = ModelCard.savedConfig(ck.metadata(), file.toString());
            if (config == null) config = adapter.inferConfig(converted, notes);
            else hints = LayoutHints.complete(config); // the saved config is a fact, not an assumption
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        // Files swin4j wrote are canonical (or a source's names, --to); the layout their card names still decides
        // preprocessing defaults.
        Layout layout = ModelCard.read(ck.metadata(), config, adapter.source(), file.toString()).source();
        if (options.preset() != null) {
            SwinConfig preset = SwinConfig.preset(options.preset());
            List<String> diffs = ConfigInference.check(config, preset, hints);
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
        return new SwinWeights(file, layout, config, converted.canonical(), report, options.strict(), ck.metadata(),
                split.state());
    }

    public Path file() { return file; }

    /** The implementation the weights came from (for files swin4j wrote: the one recorded in their metadata). */
    public Layout layout() { return layout; }

    /**
     * What the weights are: their metadata's card (config, eval transform, class names, source) or, for a foreign file,
     * its source's card for the current config.
     */
    public ModelCard card() {
        ModelCard c = card;
        if (c == null) card = c = ModelCard.read(metadata, config, layout, file.toString());
        return c;
    }

    /** What the model does: classification, or segmentation (a UPerNet checkpoint: {@link #segmentationConfig()}). */
    public ModelCard.Task task() { return card().task(); }

    /** The segmentation model's config (its backbone is {@link #config()}); null for a classifier. */
    public SegmentationConfig segmentationConfig() { return card().segmentationConfig(); }

    /** Where each value of the segmentation config, names, palette and mode came from; empty for a classifier. */
    public Map<String, String> segmentationSources() { return segmentationSources; }

    /** The Swin family of the weights (V1, V2, Swin-MLP). */
    public SwinConfig.Family family() { return config.family(); }

    public SwinConfig config() { return config; }

    /** Canonical (official-named) tensors. */
    public Map<String, HostTensor> tensors() { return tensors; }

    public LoadReport report() { return report; }

    /** How an int8 file is quantized; null for other files. */
    public Int8Weights.State int8() { return int8; }

    /**
     * A model holding these weights. Non-strict loads initialise missing or mis-shaped parameters. An int8 file gives
     * an int8 model with its saved int8 weights and activation parameters.
     */
    public SwinTransformer createModel() {
        requireClassifier("createModel (use createSegmenter)");
        SwinTransformer model = createFp32Model();
        if (int8 == null) return model;
        try {
            return int8.applyTo(model);
        } catch (RuntimeException e) {
            model.close();
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A model holding these weights at precision {@code p} (null: the weights' own, as {@link #createModel()}). An int8
     * file asked for in fp32 or bf16 is built from its dequantized weights directly, without packing them first.
     */
    public SwinTransformer createModel(Precision p) {
        if (p == null) return createModel();
        requireClassifier("createModel (use createSegmenter)");
        if (p == Precision.INT8 && int8 != null) return createModel();
        SwinTransformer model = createFp32Model();
        try {
            return model.optPrecision(p);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * The segmentation model holding these weights (eval mode). Non-strict loads initialise missing or mis-shaped
     * parameters.
     *
     * @throws IllegalStateException on a classifier checkpoint
     */
    public SwinSegmenter createSegmenter() {
        if (!isSegmentation()) throw new IllegalStateException(file + ": a classifier checkpoint; createSegmenter is for "
                + "segmentation (UPerNet) checkpoints");
        SegmentationConfig c = segmentationConfig();
        Map<String, long[]> expected = SegmentationKeys.expected(c);
        Map<String, HostTensor> usable = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            long[] shape = expected.get(k);
            if (shape != null && Arrays.equals(shape, v.shape())) usable.put(k, v);
        });
        return SwinSegmenter.fromWeights(c, usable, !strict, 0);
    }

    private boolean isSegmentation() {
        return card != null && card.segmentation() != null;
    }

    /** @throws IllegalStateException on a segmentation checkpoint, naming the file and what was asked */
    private void requireClassifier(String what) {
        if (isSegmentation()) {
            throw new IllegalStateException(file + ": a segmentation (UPerNet) checkpoint; " + what
                    + " is for classifiers");
        }
    }

    private SwinTransformer createFp32Model() {
        Map<String, long[]> expected = CanonicalKeys.expected(config);
        Map<String, HostTensor> usable = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            long[] shape = expected.get(k);
            if (shape != null && Arrays.equals(shape, v.shape())) usable.put(k, v);
        });
        return SwinTransformer.fromWeights(config, usable, !strict, 0);
    }

    /**
     * The weights adapted to window {@code n}: V1's bias tables resized bicubically (as official load_pretrained);
     * V2 needs no resizing (its bias is an MLP over continuous coordinates; stages whose window changes keep their
     * trained window as pretrained window); Swin-MLP refuses (its spatial weights fix the window).
     */
    public SwinWeights withWindowSize(int n) {
        requireClassifier("withWindowSize");
        return retarget(config.toBuilder().optWindowSize(n).optName(renamed("window" + config.windowSize(), "window", n)).build());
    }

    /** The weights adapted to input size {@code n} (per-stage windows and absolute_pos_embed follow). */
    public SwinWeights withImgSize(int n) {
        requireClassifier("withImgSize");
        return retarget(config.toBuilder().optImgSize(n).optName(renamed("_" + config.imgSize(), "_", n)).build());
    }

    /** V1 names the new size ("window7" -> "window12"); V2 names the change, as its official fine-tuned configs ("window8to16"). */
    private String renamed(String from, String prefix, int n) {
        if (!config.name().contains(from)) return config.name();
        String to = config.family() == SwinConfig.Family.V2 ? from + "to" + n : prefix + n;
        return from.equals(prefix + n) ? config.name() : config.name().replace(from, to);
    }

    private SwinWeights retarget(SwinConfig target) {
        List<String> notes = new ArrayList<>(report.notes());
        AdapterFamily family = Adapters.family(config.family());
        SwinConfig completed = family.retargetConfig(config, target, notes);
        Map<String, HostTensor> resized = family.retarget(tensors, config, completed, notes);
        return withTensors(completed, resized, notes);
    }

    /**
     * The same tensors under {@code c}, a config with the same parameter shapes: for what the file could not tell
     * (a V2 window or image size without buffers, a pretrained window), not a resize ({@link #withWindowSize} adapts
     * weights trained at this config to another).
     */
    public SwinWeights withConfig(SwinConfig c) {
        requireClassifier("withConfig");
        List<String> notes = new ArrayList<>(report.notes());
        notes.add("config set to " + c.name() + " (window " + c.windowSize() + ", img " + c.imgSize() + "; no tensor changed)");
        return withTensors(c, tensors, notes);
    }

    /** A 21841-class head reduced to the 1000 ImageNet-1K rows ({@code mapping} null: the official map). */
    public SwinWeights withHead22kTo1k(Path mapping) throws IOException {
        requireClassifier("withHead22kTo1k");
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
        return new SwinWeights(file, layout, target, newTensors, r, strict, metadata,
                target.sameArchitecture(config) ? int8 : null);
    }

    /** Writes the canonical layout with the model card in the metadata, so that loading it back is exact. */
    public void saveSafetensors(Path out, String dtype) throws IOException {
        save(out, card(), tensors, dtype);
    }

    /** Writes canonical (or a source's) tensors with {@code card} as the file's metadata. */
    public static void save(Path out, ModelCard card, Map<String, HostTensor> tensors, String dtype) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(card.toMetadata());
        Safetensors.write(out, tensors, meta, dtype);
    }

    /**
     * Writes the weights under {@code source}'s own names and tensor layout (safetensors, no buffers), with swin4j's
     * metadata so that loading it back keeps the config; {@link Layout#CANONICAL} is {@link #saveSafetensors}.
     *
     * @return notes on what the source could not hold (e.g. mmdet: no head)
     * @throws IllegalArgumentException when the family has no such source, or it cannot be written
     */
    public List<String> saveAs(Path out, Layout source, String dtype) throws IOException {
        List<String> notes = new ArrayList<>();
        if (source == Layout.CANONICAL) {
            saveSafetensors(out, dtype);
            return notes;
        }
        if (isSegmentation() || source.isSegmentation()) {
            if (!isSegmentation() || !source.isSegmentation()) {
                throw new IllegalArgumentException(file + ": " + (isSegmentation() ? "a segmentation checkpoint" : "a classifier")
                        + " cannot be written as " + source + "; " + (isSegmentation()
                        ? "segmentation layouts: " + List.of(Layout.SEG_OFFICIAL, Layout.MMSEG, Layout.HF_UPERNET)
                        : "writable: " + Adapters.writableSources(config.family())));
            }
            Map<String, HostTensor> named = SegmentationAdapters.fromCanonical(tensors, config, source, notes);
            ModelCard c = card();
            save(out, new ModelCard(config, source, c.evalPreset(), c.classNames(), c.segmentation()), named, dtype);
            return notes;
        }
        CheckpointAdapter adapter = Adapters.require(config.family(), source);
        if (!adapter.canWrite()) {
            throw new IllegalArgumentException(Adapters.family(config.family()).displayName() + " " + source
                    + " cannot be written; writable: " + Adapters.writableSources(config.family()));
        }
        Map<String, HostTensor> named = adapter.fromCanonical(tensors, config, notes);
        ModelCard card = card();
        save(out, new ModelCard(config, source, card.evalPreset(), card.classNames()), named, dtype);
        return notes;
    }

    /** The file's metadata (safetensors header or empty). */
    public Map<String, String> metadata() { return metadata; }

    /** Facts for {@code swin inspect --json}. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file.toString());
        m.put("layout", layout.name());
        m.put("family", config.family().name());
        m.put("task", task().name());
        if (isSegmentation()) {
            m.put("segmentation", segmentationConfig());
            m.put("segmentationSources", segmentationSources);
        }
        m.put("layoutDescription", layoutDescription());
        m.put("config", config);
        m.put("parameters", tensors.values().stream().mapToLong(HostTensor::numel).sum());
        m.put("dtypes", dtypeCounts());
        m.put("clean", report.isClean());
        m.put("missing", report.missing());
        m.put("unexpected", report.unexpected());
        m.put("shapeMismatches", report.shapeMismatches());
        m.put("ignoredBuffers", report.ignoredBuffers().size());
        m.put("notes", report.notes());
        if (int8 != null) m.put("int8", int8.info());
        m.put("metadata", metadata);
        return m;
    }

    private String layoutDescription() {
        return Adapters.find(config.family(), layout).map(CheckpointAdapter::description).orElse(layout.description());
    }

    private Map<String, Long> dtypeCounts() {
        Map<String, Long> counts = new TreeMap<>();
        tensors.values().forEach(t -> counts.merge(t.sourceDType(), t.numel(), Long::sum));
        return counts;
    }

    private void describeSegmentation(StringBuilder sb) {
        SegmentationConfig s = segmentationConfig();
        ModelCard c = card();
        sb.append("  task        segmentation: UPerNet, ").append(s.numClasses()).append(" classes, channels ")
                .append(s.channels()).append(", pool scales ").append(Arrays.toString(s.poolScales()))
                .append(", align_corners ").append(s.alignCorners()).append(", dropout ").append(s.dropout())
                .append(s.hasAuxiliary() ? ", auxiliary FCN " + s.auxChannels() + " on stage " + s.auxInIndex()
                        + " (loss weight " + s.auxLossWeight() + ")" : ", no auxiliary head").append('\n');
        SegmentationMode m = c.segmentationMode();
        sb.append("  test mode   ").append(m.kind() == SegmentationMode.Kind.WHOLE ? "whole"
                : "slide, crop " + m.cropHeight() + "x" + m.cropWidth() + ", stride " + m.strideHeight() + "x" + m.strideWidth())
                .append(m.flip() ? ", flip" : "").append('\n');
        List<String> names = c.classNames();
        if (names != null) {
            sb.append("  classes     ").append(String.join(", ", names.subList(0, Math.min(8, names.size()))))
                    .append(names.size() > 8 ? ", ... (" + names.size() + ")" : "").append('\n');
        }
    }

    /** Human-readable report for {@code swin inspect}. */
    public String describe() {
        SwinConfig c = config;
        StringBuilder sb = new StringBuilder();
        sb.append(file).append('\n');
        sb.append("  layout      ").append(layout).append(" (").append(layoutDescription()).append(")\n");
        sb.append("  config      ").append(c.name()).append(": embed ").append(c.embedDim()).append(", depths ")
                .append(Arrays.toString(c.depths())).append(", heads ").append(Arrays.toString(c.numHeads()))
                .append(", window ").append(c.windowSize()).append(", patch ").append(c.patchSize())
                .append(", img ").append(c.imgSize()).append(", classes ").append(c.numClasses())
                .append(", mlp ratio ").append(c.mlpRatio()).append(", size rule ").append(c.sizeRule());
        if (c.family() == SwinConfig.Family.V2) sb.append(", pretrained windows ").append(Arrays.toString(c.pretrainedWindowSizes()));
        sb.append('\n');
        sb.append("  family      ").append(c.family()).append('\n');
        if (isSegmentation()) describeSegmentation(sb);
        long params = tensors.values().stream().mapToLong(HostTensor::numel).sum();
        long needed = isSegmentation() ? SegmentationKeys.expected(segmentationConfig()).values().stream()
                .mapToLong(HostTensor::numel).sum() : CanonicalKeys.parameterCount(c);
        sb.append("  parameters  ").append(String.format("%,d", params)).append(" (model needs ")
                .append(String.format("%,d", needed)).append(")\n");
        sb.append("  dtypes      ").append(dtypeCounts()).append('\n');
        if (int8 != null) sb.append("  int8        ").append(Int8Weights.describe(int8)).append('\n');
        report.notes().forEach(n -> sb.append("  note        ").append(n).append('\n'));
        sb.append(report.isClean() ? "  status      OK\n" : "  status      PROBLEMS\n");
        sb.append(report);
        return sb.toString();
    }
}
