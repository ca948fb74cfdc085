package io.swin4j.weights;

import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.Checkpoint;
import io.swin4j.weights.layout.ConfigInference;
import io.swin4j.weights.layout.ConversionResult;
import io.swin4j.weights.layout.Layout;
import io.swin4j.weights.layout.LayoutHints;
import io.swin4j.weights.layout.LoadReport;
import io.swin4j.weights.layout.SegmentationAdapters;
import io.swin4j.weights.layout.SegmentationInference;
import io.swin4j.weights.layout.SegmentationKeys;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a segmentation (UPerNet) checkpoint for {@link SwinWeights#load}: layout, canonical tensors, the config from
 * the tensors completed by the checkpoint's metadata ({@link SegmentationMetadata}) or mmseg's defaults, the card,
 * and a report that says where each value came from.
 */
final class SegmentationLoader {

    /** What {@link SwinWeights} keeps of a segmentation load. */
    record Loaded(Layout layout, SwinConfig backbone, Map<String, HostTensor> tensors, LoadReport report, ModelCard card,
                  Map<String, String> sources) {}

    /** mmseg's upernet_swin defaults, for what neither tensors nor metadata tell. */
    static final int[] DEFAULT_POOL_SCALES = {1, 2, 3, 6};
    static final double DEFAULT_DROPOUT = 0.1, DEFAULT_AUX_WEIGHT = 0.4;

    private SegmentationLoader() {}

    static Loaded load(Checkpoint ck, LoadOptions options) throws IOException {
        Path file = ck.file();
        Layout detected = SegmentationAdapters.detect(ck.tensors().keySet());
        ConversionResult converted = SegmentationAdapters.toCanonical(ck.tensors(), detected);
        List<String> notes = new ArrayList<>(ck.notes());
        notes.addAll(converted.hints().notes());
        if (!converted.extras().isEmpty()) {
            notes.add("layout-specific tensors not used by the model: " + converted.extras().keySet());
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        converted.canonical().forEach((k, v) -> shapes.put(k, v.shape()));

        SwinConfig inferred, backbone;
        SegmentationCard saved;
        Map<String, String> sources = new LinkedHashMap<>();
        try {
            inferred = ModelCard.savedConfig(ck.metadata(), file.toString());
            LayoutHints hints = converted.hints();
            if (inferred == null) inferred = SegmentationInference.backbone(shapes, detected.sizeRule(), hints, notes);
            else hints = LayoutHints.complete(inferred);
            backbone = options.preset() == null ? inferred : applyPreset(inferred, options, hints, notes, file);
            saved = ModelCard.savedSegmentation(ck.metadata(), backbone, file.toString());
        } catch (LoadReport.CheckpointMismatchException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        ModelCard base = ModelCard.read(ck.metadata(), backbone, detected, file.toString(), saved);
        ModelCard card;
        if (saved != null) {
            card = base;
            sources.put("segmentation", "swin4j metadata (" + ModelCard.META_SEGMENTATION + ")");
        } else {
            SegmentationMetadata meta = detected == Layout.HF_UPERNET
                    ? SegmentationMetadata.fromHfConfig(file.resolveSibling("config.json"))
                    : SegmentationMetadata.fromMmsegMeta(ck.meta());
            notes.addAll(meta.notes());
            // the heads are read against the backbone the tensors hold; a preset (non-strict) then replaces it
            card = resolve(shapes, inferred, meta, base, sources, notes, file);
            if (backbone != inferred) {
                card = card.withSegmentation(new SegmentationCard(card.segmentationConfig().withBackbone(backbone),
                        card.palette(), card.segmentationMode()));
            }
        }
        notes.add("segmentation: " + describeSources(sources));
        LoadReport report = LoadReport.compare(SegmentationKeys.expected(card.segmentationConfig()), converted.canonical(),
                converted.unexpected(), converted.ignoredBuffers(), notes);
        if (options.strict()) report.requireClean(file.toString());
        return new Loaded(card.source(), backbone, converted.canonical(), report, card, sources);
    }

    private static SwinConfig applyPreset(SwinConfig backbone, LoadOptions options, LayoutHints hints, List<String> notes,
                                          Path file) {
        SwinConfig preset = SwinConfig.preset(options.preset()).toBuilder().optNumClasses(0).build();
        List<String> diffs = ConfigInference.check(backbone, preset, hints);
        if (!diffs.isEmpty()) {
            if (options.strict()) {
                throw new LoadReport.CheckpointMismatchException(file + ": backbone does not match preset " + options.preset()
                        + ":\n  " + String.join("\n  ", diffs));
            }
            notes.add("backbone differs from preset " + options.preset() + ": " + String.join("; ", diffs));
        }
        return preset.toBuilder().optSizeRule(backbone.sizeRule()).build();
    }

    /** The config, names, palette and mode: tensors first, then the metadata, then mmseg's defaults. */
    static ModelCard resolve(Map<String, long[]> shapes, SwinConfig backbone, SegmentationMetadata meta, ModelCard base,
                             Map<String, String> sources, List<String> notes, Path file) {
        SegmentationInference.HeadShapes heads;
        try {
            heads = SegmentationInference.heads(shapes, backbone);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        Map<String, String> origin = meta.origins();
        int classes = heads.numClasses();
        sources.put("numClasses", "tensors (decode_head.conv_seg.weight)");
        crossCheck(notes, "number of classes", meta.numClasses(), classes, origin.get("numClasses"));
        sources.put("channels", "tensors (decode_head.conv_seg.weight)");
        crossCheck(notes, "channels", meta.channels(), heads.channels(), origin.get("channels"));

        Map<String, Integer> inBackbone = new LinkedHashMap<>();
        inBackbone.put(SegmentationMetadata.EMBED_DIM, backbone.embedDim());
        inBackbone.put(SegmentationMetadata.WINDOW, backbone.windowSize());
        for (int i = 0; i < backbone.numStages(); i++) {
            inBackbone.put(SegmentationMetadata.DEPTHS + i, backbone.depths()[i]);
            inBackbone.put(SegmentationMetadata.HEADS + i, backbone.numHeads()[i]);
        }
        meta.backbone().forEach((what, v) -> {
            Integer t = inBackbone.get(what);
            if (t == null) notes.add(origin.get("backbone") + " says " + what + " " + v + ", the weights have no such stage");
            else crossCheck(notes, what, v, t, origin.get("backbone"));
        });

        int[] scales;
        if (meta.poolScales() != null) {
            if (meta.poolScales().length != heads.poolScaleCount()) {
                throw new IllegalArgumentException(file + ": " + origin.get("poolScales") + " names "
                        + meta.poolScales().length + " pool scales " + Arrays.toString(meta.poolScales()) + ", the weights have "
                        + heads.poolScaleCount() + " decode_head.psp_modules");
            }
            scales = meta.poolScales();
            sources.put("poolScales", origin.get("poolScales"));
        } else if (heads.poolScaleCount() == DEFAULT_POOL_SCALES.length) {
            scales = DEFAULT_POOL_SCALES;
            sources.put("poolScales", "default (mmseg: 1, 2, 3, 6)");
        } else {
            throw new IllegalArgumentException(file + ": the weights have " + heads.poolScaleCount() + " decode_head.psp_modules "
                    + "and no metadata names their pool scales (mmseg's default 1, 2, 3, 6 has 4)");
        }
        boolean align = meta.alignCorners() != null ? meta.alignCorners() : false;
        sources.put("alignCorners", meta.alignCorners() != null ? origin.get("alignCorners") : "default (mmseg: false)");
        double dropout = meta.dropout() != null ? meta.dropout() : DEFAULT_DROPOUT;
        sources.put("dropout", meta.dropout() != null ? origin.get("dropout") : "default (mmseg: 0.1)");

        int auxChannels = heads.auxChannels(), auxIn = heads.auxInIndex();
        if (auxChannels > 0) {
            sources.put("auxiliary", "tensors (auxiliary_head.convs.0.conv.weight)");
            crossCheck(notes, "auxiliary channels", meta.auxChannels(), auxChannels, origin.get("auxChannels"));
            crossCheck(notes, "auxiliary in_index", meta.auxInIndex(), auxIn, origin.get("auxInIndex"));
            crossCheck(notes, "auxiliary in_channels", meta.auxInChannels(), backbone.stageDim(auxIn), origin.get("auxInChannels"));
            if (Boolean.FALSE.equals(meta.useAuxiliary())) {
                notes.add(origin.get("useAuxiliary") + " says no auxiliary head, the weights have one: kept");
            }
        } else {
            sources.put("auxiliary", "none in the tensors");
            auxIn = -1;
        }
        double auxWeight = meta.auxLossWeight() != null ? meta.auxLossWeight() : DEFAULT_AUX_WEIGHT;
        sources.put("auxLossWeight", meta.auxLossWeight() != null ? origin.get("auxLossWeight") : "default (mmseg: 0.4)");
        SegmentationConfig config = new SegmentationConfig(backbone, classes, heads.channels(), scales, align, dropout,
                auxChannels, auxIn, auxWeight);

        boolean ade = classes == SegmentationClasses.ADE20K_CLASSES;
        List<String> names = null;
        if (meta.classNames() != null && meta.classNames().size() == classes) {
            names = meta.classNames();
            sources.put("classNames", origin.get("classNames"));
        } else {
            if (meta.classNames() != null) {
                notes.add(origin.get("classNames") + " names " + meta.classNames().size() + " classes, the weights have "
                        + classes + ": not used");
            }
            if (ade) {
                names = SegmentationClasses.ade20kNames();
                sources.put("classNames", "ADE20K (bundled: a 150-class checkpoint without names of its own)");
            } else {
                sources.put("classNames", "none");
            }
        }
        int[][] palette;
        if (meta.palette() != null && meta.palette().length == classes) {
            palette = meta.palette();
            sources.put("palette", origin.get("palette"));
        } else {
            if (meta.palette() != null) {
                notes.add(origin.get("palette") + " has " + meta.palette().length + " colours, the weights have "
                        + classes + " classes: not used");
            }
            palette = ade ? SegmentationClasses.ade20kPalette() : SegmentationClasses.vocPalette(classes);
            sources.put("palette", ade ? "ADE20K (bundled: a 150-class checkpoint without a palette of its own)"
                    : "default (PASCAL VOC colour map)");
        }
        SegmentationMode mode = meta.mode() != null ? meta.mode() : SegmentationMode.whole();
        sources.put("mode", meta.mode() != null ? origin.get("mode") : "default (whole)");
        return base.withClassNames(names).withSegmentation(new SegmentationCard(config, palette, mode));
    }

    private static void crossCheck(List<String> notes, String what, Integer fromMeta, int fromTensors, String where) {
        if (fromMeta != null && fromMeta != fromTensors) {
            notes.add(where + " says " + what + " " + fromMeta + ", the weights have " + fromTensors + ": the weights' used");
        }
    }

    private static String describeSources(Map<String, String> sources) {
        StringBuilder sb = new StringBuilder();
        sources.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "; ").append(k).append(" from ").append(v));
        return sb.toString();
    }
}
