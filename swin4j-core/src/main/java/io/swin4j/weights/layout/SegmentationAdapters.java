package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * UPerNet segmentation checkpoints ({@link Layout#isSegmentation()}), both ways. The canonical names are the official
 * Swin segmentation repo's own state dict: {@code backbone.} + the family's canonical backbone names (no final
 * {@code norm}, no {@code head}), {@code backbone.norm0..3} (the LayerNorm on each output stage), and mmseg's head
 * names ({@code decode_head.psp_modules.K.1.{conv,bn}}, {@code bottleneck}, {@code lateral_convs.i},
 * {@code fpn_convs.i}, {@code fpn_bottleneck}, {@code conv_seg}; {@code auxiliary_head.convs.0}, {@code conv_seg}),
 * without {@code num_batches_tracked}.
 *
 * <p>The backbone goes through the family's own adapter of the layout's backbone source (official seg: the official
 * adapter; mmseg: the mmdet adapter, unfold order included; HF UperNet: the HF Swin adapter), under the
 * {@code backbone.} prefix, so no backbone rule is written twice. Only the per-stage norms and the head names are
 * handled here: HF's {@code hidden_states_norms.stage(i+1)} is {@code norm i}, its {@code batch_norm} is {@code bn}
 * and its {@code classifier} is {@code conv_seg} (HF {@code convert_swin_upernet_to_pytorch.py}).
 */
public final class SegmentationAdapters {

    public static final String BACKBONE = "backbone.", DECODE = "decode_head.", AUX = "auxiliary_head.";

    private static final Pattern STAGE_NORM = Pattern.compile("norm(\\d+)\\.(weight|bias)");
    private static final Pattern HF_STAGE_NORM = Pattern.compile("hidden_states_norms\\.stage(\\d+)\\.(weight|bias)");
    private static final Pattern HF_MODEL_PREFIX = Pattern.compile("^swin(v2)?\\.");
    private static final Pattern BN_BUFFER = Pattern.compile(".*\\.num_batches_tracked");

    private SegmentationAdapters() {}

    /** Whether a state dict is a segmentation model's: it has a {@code decode_head}. */
    public static boolean isSegmentation(Collection<String> keys) {
        return keys.stream().anyMatch(k -> k.startsWith(DECODE));
    }

    /**
     * The segmentation layout of {@code keys} (known to be a segmentation state dict) by its backbone's names.
     *
     * @throws UnknownLayoutException when the backbone is none of them (the message lists the first keys)
     */
    public static Layout detect(Collection<String> keys) {
        if (keys.stream().anyMatch(k -> k.startsWith("backbone.embeddings.") || k.startsWith("backbone.encoder.layers."))) {
            return Layout.HF_UPERNET;
        }
        if (keys.stream().anyMatch(k -> k.startsWith("backbone.stages."))) return Layout.MMSEG;
        if (keys.stream().anyMatch(k -> k.startsWith("backbone.layers.") || k.startsWith("backbone.patch_embed.proj."))) {
            return Layout.SEG_OFFICIAL;
        }
        List<String> sample = keys.stream().filter(k -> !k.startsWith(DECODE) && !k.startsWith(AUX)).limit(6).toList();
        throw new UnknownLayoutException("unknown segmentation checkpoint layout: it has a decode_head, but its backbone is "
                + "none of " + List.of(Layout.SEG_OFFICIAL, Layout.MMSEG, Layout.HF_UPERNET) + " (Swin backbone keys expected"
                + " under backbone.; other keys: " + (sample.isEmpty() ? "none" : String.join(", ", sample)) + ")");
    }

    /** The layout whose names a segmentation layout's backbone has, converted by the family's adapter. */
    public static Layout backboneSource(Layout seg) {
        return switch (seg) {
            case SEG_OFFICIAL -> Layout.OFFICIAL;
            case MMSEG -> Layout.MMDET;
            case HF_UPERNET -> Layout.HF;
            default -> throw new IllegalArgumentException(seg + " is not a segmentation layout");
        };
    }

    /** The backbone's family, told by its keys (prefix removed) as for a classifier. */
    public static SwinConfig.Family family(Collection<String> keys) {
        return Adapters.familyOf(keys.stream().filter(k -> k.startsWith(BACKBONE))
                .map(k -> k.substring(BACKBONE.length())).toList());
    }

    /**
     * A segmentation state dict of {@code layout} with canonical names: backbone by its family's adapter, per-stage
     * norms and heads renamed, buffers ({@code relative_position_index}, {@code num_batches_tracked}) ignored, keys
     * outside backbone/decode_head/auxiliary_head unexpected.
     */
    public static ConversionResult toCanonical(Map<String, HostTensor> source, Layout layout) {
        Map<String, HostTensor> backbone = new LinkedHashMap<>(), norms = new LinkedHashMap<>(),
                heads = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>(), unexpected = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : source.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(BACKBONE)) {
                String rest = k.substring(BACKBONE.length());
                String norm = stageNorm(rest, layout);
                if (norm != null) norms.put(BACKBONE + norm, e.getValue());
                else backbone.put(rest, e.getValue());
            } else if (k.startsWith(DECODE) || k.startsWith(AUX)) {
                if (BN_BUFFER.matcher(k).matches()) ignored.add(k);
                else heads.put(layout == Layout.HF_UPERNET ? headFromHf(k) : k, e.getValue());
            } else {
                unexpected.add(k);
            }
        }
        SwinConfig.Family family = Adapters.familyOf(backbone.keySet());
        CheckpointAdapter adapter = Adapters.require(family, backboneSource(layout));
        ConversionResult b = adapter.toCanonical(backbone);
        Map<String, HostTensor> converted = new LinkedHashMap<>(b.canonical());
        Map<String, HostTensor> extras = new LinkedHashMap<>();
        // the mmdet adapter makes up an identity final norm for classification; a segmentation backbone has none
        if (b.extras().remove(Rewrites.IDENTITY_NORM_MARKER) != null) {
            converted.remove("norm.weight");
            converted.remove("norm.bias");
        }
        b.extras().forEach((k, v) -> extras.put(BACKBONE + k, v));
        Map<String, HostTensor> out = new LinkedHashMap<>();
        converted.forEach((k, v) -> out.put(BACKBONE + k, v));
        out.putAll(norms);
        out.putAll(heads);
        b.ignoredBuffers().forEach(k -> ignored.add(BACKBONE + k));
        b.unexpected().forEach(k -> unexpected.add(BACKBONE + k));
        LayoutHints h = b.hints();
        return new ConversionResult(out, ignored, unexpected, extras, h);
    }

    /**
     * Canonical segmentation tensors with {@code layout}'s names and tensor layout (no buffers): what
     * {@code swin convert --to} writes.
     *
     * @param backbone the backbone config (the family adapter's writer needs it)
     * @param notes    receives what the layout could not hold
     * @throws IllegalArgumentException when a tensor has no place in the layout
     */
    public static Map<String, HostTensor> fromCanonical(Map<String, HostTensor> canonical, SwinConfig backbone, Layout layout,
                                                        List<String> notes) {
        CheckpointAdapter adapter = Adapters.require(backbone.family(), backboneSource(layout));
        if (!adapter.canWrite()) {
            throw new IllegalArgumentException(layout + " cannot be written for a " + backbone.family() + " backbone");
        }
        Map<String, HostTensor> rest = new LinkedHashMap<>(), out = new LinkedHashMap<>(), tail = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : canonical.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(BACKBONE)) {
                String name = k.substring(BACKBONE.length());
                Matcher m = STAGE_NORM.matcher(name);
                if (m.matches()) {
                    tail.put(layout == Layout.HF_UPERNET
                            ? BACKBONE + "hidden_states_norms.stage" + (Integer.parseInt(m.group(1)) + 1) + "." + m.group(2)
                            : k, e.getValue());
                } else {
                    rest.put(name, e.getValue());
                }
            } else if (k.startsWith(DECODE) || k.startsWith(AUX)) {
                tail.put(layout == Layout.HF_UPERNET ? headToHf(k) : k, e.getValue());
            } else {
                throw new IllegalArgumentException(layout + " segmentation checkpoints have no place for " + k);
            }
        }
        Map<String, HostTensor> named = adapter.fromCanonical(rest, backbone, notes);
        // HF's classification writers name the model ("swin.", "swinv2."); its backbones (SwinBackbone,
        // Swinv2Backbone) hold embeddings/encoder directly
        named.forEach((k, v) -> out.put(BACKBONE + (layout == Layout.HF_UPERNET ? HF_MODEL_PREFIX.matcher(k).replaceFirst("")
                : k), v));
        out.putAll(tail);
        return out;
    }

    /** The canonical per-stage norm name ({@code norm<i>.weight}) of a backbone key (prefix removed), or null. */
    private static String stageNorm(String rest, Layout layout) {
        if (layout == Layout.HF_UPERNET) {
            Matcher m = HF_STAGE_NORM.matcher(rest);
            return m.matches() && Integer.parseInt(m.group(1)) >= 1
                    ? "norm" + (Integer.parseInt(m.group(1)) - 1) + "." + m.group(2) : null;
        }
        return STAGE_NORM.matcher(rest).matches() ? rest : null;
    }

    /** HF head names → mmseg's: {@code batch_norm} → {@code bn}, {@code classifier} → {@code conv_seg}. */
    static String headFromHf(String key) {
        return key.replace(".batch_norm.", ".bn.").replaceFirst("^(decode_head|auxiliary_head)\\.classifier\\.", "$1.conv_seg.");
    }

    static String headToHf(String key) {
        return key.replace(".bn.", ".batch_norm.").replaceFirst("^(decode_head|auxiliary_head)\\.conv_seg\\.", "$1.classifier.");
    }
}
