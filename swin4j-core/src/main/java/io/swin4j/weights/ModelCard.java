package io.swin4j.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.io.CheckpointFormatException;
import io.swin4j.weights.layout.Layout;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a weights file is, beyond its tensors: the architecture (family included), the evaluation transform, the class
 * names and the layout of the source it came from — torchvision's "weights that carry their transforms and
 * metadata". Read and written here only, as safetensors metadata; files without a card (foreign checkpoints) get the
 * card of their source: the eval transform each source publishes for that preset, no class names.
 *
 * A segmentation checkpoint's card also holds its {@link SegmentationCard}: {@code config} is then its backbone's.
 *
 * @param classNames   null when the file names none (ImageNet models: {@code Labels.defaultFor} decides)
 * @param segmentation the head config, palette and test mode of a segmentation model; null for a classifier
 */
public record ModelCard(SwinConfig config, Layout source, EvalPreset evalPreset, List<String> classNames,
                        SegmentationCard segmentation) {

    /** Safetensors metadata keys. */
    public static final String META_CONFIG = "swin4j.config", META_FAMILY = "swin4j.family",
            META_LAYOUT = "swin4j.source_layout", META_PRESET = "swin4j.preset", META_LABELS = "swin4j.labels",
            META_TASK = "swin4j.task", META_SEGMENTATION = "swin4j.segmentation";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a model does with an image. */
    public enum Task { CLASSIFICATION, SEGMENTATION }

    public ModelCard {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(evalPreset, "evalPreset");
        classNames = classNames == null ? null : List.copyOf(classNames);
        int classes = segmentation != null ? segmentation.config().numClasses() : config.numClasses();
        if (classNames != null && classes > 0 && classNames.size() != classes) {
            throw new IllegalArgumentException(classNames.size() + " class names for a model of " + classes + " classes");
        }
    }

    /** A classifier's card. */
    public ModelCard(SwinConfig config, Layout source, EvalPreset evalPreset, List<String> classNames) {
        this(config, source, evalPreset, classNames, null);
    }

    public Task task() { return segmentation == null ? Task.CLASSIFICATION : Task.SEGMENTATION; }

    /** The segmentation model's config (backbone included); null for a classifier. */
    public SegmentationConfig segmentationConfig() { return segmentation == null ? null : segmentation.config(); }

    /** One RGB triple (0..255) per class of a segmentation model; null for a classifier. */
    public int[][] palette() { return segmentation == null ? null : segmentation.palette(); }

    /** The test mode (whole or sliding window) the segmentation checkpoint was evaluated with; null for a classifier. */
    public SegmentationMode segmentationMode() { return segmentation == null ? null : segmentation.mode(); }

    public ModelCard withSegmentation(SegmentationCard s) { return new ModelCard(config, source, evalPreset, classNames, s); }

    public SwinConfig.Family family() { return config.family(); }

    /** The card of a file without one: its source's published transform for this preset. */
    public static ModelCard ofSource(SwinConfig config, Layout source) {
        return new ModelCard(config, source, defaultPreset(source, config), null);
    }

    public ModelCard withConfig(SwinConfig c) {
        if (segmentation != null) return new ModelCard(c, source, evalPreset, classNames, segmentation);
        return new ModelCard(c, source, evalPreset, classNames == null || c.numClasses() == classNames.size()
                ? classNames : null);
    }

    public ModelCard withEvalPreset(EvalPreset p) { return new ModelCard(config, source, p, classNames, segmentation); }

    public ModelCard withClassNames(List<String> names) { return new ModelCard(config, source, evalPreset, names, segmentation); }

    /** The card as safetensors metadata (every key of this class; nothing else writes them). */
    public Map<String, String> toMetadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        try {
            meta.put(META_CONFIG, JSON.writeValueAsString(config));
            meta.put(META_FAMILY, config.family().name());
            meta.put(META_LAYOUT, source.name());
            meta.put(META_PRESET, JSON.writeValueAsString(evalPreset));
            if (classNames != null) meta.put(META_LABELS, JSON.writeValueAsString(classNames));
            if (segmentation != null) { // a classifier's metadata stays as it was (no task key)
                meta.put(META_TASK, task().name().toLowerCase(java.util.Locale.ROOT));
                meta.put(META_SEGMENTATION, SegmentationCards.toJson(segmentation));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the model card", e);
        }
        return meta;
    }

    /**
     * The config a file's metadata holds, or null (foreign files). The metadata comes from whoever wrote the file, so
     * the config is checked to be finite and within {@link ConfigBounds} before any model is built from it.
     *
     * @throws CheckpointFormatException unreadable or out-of-range config (the message names the file and the field)
     */
    public static SwinConfig savedConfig(Map<String, String> metadata, String file) throws CheckpointFormatException {
        String json = metadata.get(META_CONFIG);
        if (json == null) return null;
        SwinConfig config;
        try {
            config = JSON.readValue(json, SwinConfig.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new CheckpointFormatException(Path.of(file), "unreadable " + META_CONFIG + " metadata: " + message(e), e);
        }
        if (config == null) throw new CheckpointFormatException(Path.of(file), META_CONFIG + " metadata is null");
        String problem = ConfigBounds.check(config);
        if (problem != null) throw new CheckpointFormatException(Path.of(file), META_CONFIG + " metadata: " + problem);
        return config;
    }

    /**
     * The card of a loaded file: what its metadata says, the rest from its source. {@code config} and {@code layout}
     * are what the loader settled on (the saved config, or the one inferred from shapes).
     */
    public static ModelCard read(Map<String, String> metadata, SwinConfig config, Layout layout, String file) {
        return read(metadata, config, layout, file, null);
    }

    /**
     * The card of a loaded segmentation file: as {@link #read(Map, SwinConfig, Layout, String)} with its
     * {@link SegmentationCard} (null: none), so that the saved class names are checked against the segmentation
     * model's classes, not the backbone's (a segmenter ignores the backbone's {@code numClasses}).
     */
    public static ModelCard read(Map<String, String> metadata, SwinConfig config, Layout layout, String file,
                                 SegmentationCard segmentation) {
        Layout source = layout;
        String savedLayout = metadata.get(META_LAYOUT);
        if (savedLayout != null) {
            try {
                source = Layout.valueOf(savedLayout);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": unknown source layout '" + savedLayout + "' in metadata; known: "
                        + Arrays.toString(Layout.values()), e);
            }
        }
        String family = metadata.get(META_FAMILY);
        if (family != null && !family.equals(config.family().name())) {
            throw new IllegalArgumentException(file + ": metadata says family " + family + ", the weights are "
                    + config.family());
        }
        EvalPreset preset;
        List<String> names = null;
        try {
            String p = metadata.get(META_PRESET);
            preset = p == null ? defaultPreset(source, config) : JSON.readValue(p, EvalPreset.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": unreadable " + META_PRESET + " metadata: " + message(e), e);
        }
        try {
            String l = metadata.get(META_LABELS);
            if (l != null) names = Arrays.asList(JSON.readValue(l, String[].class));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": unreadable " + META_LABELS + " metadata: " + message(e), e);
        }
        try {
            return new ModelCard(config, source, preset, names, segmentation);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + META_LABELS + " metadata: " + e.getMessage(), e);
        }
    }

    /**
     * The segmentation card a file's metadata holds for {@code backbone}, or null (classifiers, foreign files).
     *
     * @throws CheckpointFormatException unreadable or out-of-range segmentation metadata (naming the file and field)
     */
    public static SegmentationCard savedSegmentation(Map<String, String> metadata, SwinConfig backbone, String file)
            throws CheckpointFormatException {
        String task = metadata.get(META_TASK);
        String json = metadata.get(META_SEGMENTATION);
        if (task != null && !task.equals("classification") && !task.equals("segmentation")) {
            throw new CheckpointFormatException(Path.of(file), "unknown " + META_TASK + " '" + task + "' in metadata");
        }
        if (json == null) {
            if ("segmentation".equals(task)) {
                throw new CheckpointFormatException(Path.of(file), META_TASK + " is segmentation but " + META_SEGMENTATION
                        + " is missing");
            }
            return null;
        }
        try {
            return SegmentationCards.fromJson(json, backbone);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(Path.of(file), META_SEGMENTATION + " metadata: " + e.getMessage(), e);
        }
    }

    private static String message(Exception e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }

    /** torchvision's published transforms per model, by the preset each file loads as. */
    private static final Map<String, EvalPreset> TORCHVISION = Map.of(
            "swin_tiny_patch4_window7_224", EvalPreset.torchvision(232, 224),
            "swin_small_patch4_window7_224", EvalPreset.torchvision(246, 224),
            "swin_base_patch4_window7_224", EvalPreset.torchvision(238, 224),
            "swin_v2_t", EvalPreset.torchvision("swin_v2_t", 260, 256),
            "swin_v2_s", EvalPreset.torchvision("swin_v2_s", 260, 256),
            "swin_v2_b", EvalPreset.torchvision("swin_v2_b", 272, 256));

    /**
     * The evaluation transform each source publishes for a model, chosen by the preset the file loads as (its name),
     * never by tensor shapes: official (resize 256/224·img → crop img; squash from 384, TEST.CROP False), timm
     * (crop_pct 0.9 below 384, 1.0 from 384), torchvision (its weights' own resize/crop per model; other models: the
     * family's tiny model's), HF (squash).
     */
    public static EvalPreset defaultPreset(Layout source, SwinConfig c) {
        int img = c.imgSize();
        return switch (source) {
            case TORCHVISION -> {
                // torchvision's transforms belong to its weights, not to an image size: a model it does not publish
                // gets those of its family's tiny model (swin_t: 232 -> 224, swin_v2_t: 260 -> 256).
                EvalPreset known = TORCHVISION.get(c.name());
                yield known != null ? known : TORCHVISION.get(c.family() == SwinConfig.Family.V2 ? "swin_v2_t"
                        : "swin_tiny_patch4_window7_224");
            }
            case TIMM -> EvalPreset.timm(img, img >= 384 ? 1.0 : 0.9);
            case HF, HF_V5 -> EvalPreset.hf(img);
            default -> img >= 384 ? EvalPreset.official384(img) : EvalPreset.official224(img);
        };
    }
}
