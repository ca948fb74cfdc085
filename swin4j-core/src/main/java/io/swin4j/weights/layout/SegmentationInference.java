package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the tensors of a canonical segmentation state dict tell: the backbone (as for a classifier, by the family's
 * inference on the {@code backbone.} tensors) and the heads' sizes. Every shape the heads' tensors must have given
 * these sizes is then checked by the load report ({@link SegmentationKeys}: missing and mis-shaped keys by name). What
 * no tensor holds
 * (the pool scales' values, align_corners, dropout, class names, palette, test mode) comes from metadata.
 */
public final class SegmentationInference {

    /**
     * The head sizes the tensors hold.
     *
     * @param numClasses     rows of {@code decode_head.conv_seg.weight}
     * @param channels       its columns (UPerHead's channels)
     * @param poolScaleCount the number of {@code decode_head.psp_modules.K} (the scales' values are not in the tensors)
     * @param auxChannels    rows of {@code auxiliary_head.convs.0.conv.weight}; 0 without an auxiliary head
     * @param auxInIndex     the backbone stage whose width is that conv's input; -1 without an auxiliary head
     */
    public record HeadShapes(int numClasses, int channels, int poolScaleCount, int auxChannels, int auxInIndex) {}

    private static final Pattern PSP = Pattern.compile("decode_head\\.psp_modules\\.(\\d+)\\..*");
    private static final Pattern AUX_CONV = Pattern.compile("auxiliary_head\\.convs\\.(\\d+)\\..*");

    private SegmentationInference() {}

    /**
     * The backbone config: the family's inference on the {@code backbone.} tensors (no head: 0 classes); named after
     * the classification preset with the same backbone, if any (e.g. {@code swin_tiny_patch4_window7_224}).
     */
    public static SwinConfig backbone(Map<String, long[]> canonical, SizeRule rule, LayoutHints hints, List<String> notes) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        canonical.forEach((k, v) -> {
            if (k.startsWith(SegmentationAdapters.BACKBONE)) shapes.put(k.substring(SegmentationAdapters.BACKBONE.length()), v);
        });
        if (!shapes.containsKey("patch_embed.proj.weight")) {
            throw new IllegalArgumentException("weights lack backbone.patch_embed.proj.weight: cannot infer the backbone");
        }
        SwinConfig c;
        try {
            c = ConfigInference.inferFromShapes(shapes, rule, hints, notes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("backbone: " + e.getMessage(), e);
        }
        c = c.toBuilder().optNumClasses(0).optSizeRule(rule).build();
        Optional<SwinConfig> preset = ConfigInference.matchingPreset(c.toBuilder().optNumClasses(1000).build());
        if (preset.isEmpty()) preset = ConfigInference.matchingPreset(c.toBuilder().optNumClasses(21841).build());
        return preset.map(p -> p.toBuilder().optNumClasses(0).optSizeRule(rule).build()).orElse(c);
    }

    /**
     * The heads' sizes, from the few tensors that hold them (the rest is checked against them by the load report).
     *
     * @throws IllegalArgumentException naming the key that is missing, or a head this model does not have
     */
    public static HeadShapes heads(Map<String, long[]> canonical, SwinConfig backbone) {
        long[] seg = require(canonical, "decode_head.conv_seg.weight", 4);
        int classes = (int) seg[0], channels = (int) seg[1];
        TreeSet<Integer> psp = new TreeSet<>();
        TreeSet<Integer> auxConvs = new TreeSet<>();
        for (String k : canonical.keySet()) {
            Matcher m = PSP.matcher(k);
            if (m.matches()) psp.add(Integer.parseInt(m.group(1)));
            m = AUX_CONV.matcher(k);
            if (m.matches()) auxConvs.add(Integer.parseInt(m.group(1)));
        }
        if (psp.isEmpty()) {
            throw new IllegalArgumentException("weights lack decode_head.psp_modules.0.1.conv.weight: not a UPerNet decode "
                    + "head (swin4j runs mmseg's UPerHead)");
        }
        if (psp.last() != psp.size() - 1) {
            throw new IllegalArgumentException("decode_head.psp_modules are numbered " + psp + ", not 0.." + (psp.size() - 1));
        }
        int stages = backbone.numStages();
        int auxChannels = 0, auxIn = -1;
        boolean anyAux = canonical.keySet().stream().anyMatch(k -> k.startsWith(SegmentationAdapters.AUX));
        if (anyAux) {
            if (auxConvs.size() > 1 || (!auxConvs.isEmpty() && auxConvs.first() != 0)) {
                throw new IllegalArgumentException("auxiliary_head has convs " + auxConvs + ": only mmseg's upernet FCNHead "
                        + "with one conv (num_convs=1) is supported");
            }
            if (canonical.keySet().stream().anyMatch(k -> k.startsWith("auxiliary_head.conv_cat."))) {
                throw new IllegalArgumentException("auxiliary_head.conv_cat: an FCNHead with concat_input=True is not supported");
            }
            long[] conv = require(canonical, "auxiliary_head.convs.0.conv.weight", 4);
            auxChannels = (int) conv[0];
            for (int i = 0; i < stages && auxIn < 0; i++) if (backbone.stageDim(i) == conv[1]) auxIn = i;
            if (auxIn < 0) {
                throw new IllegalArgumentException("auxiliary_head.convs.0.conv.weight " + Arrays.toString(conv) + " takes "
                        + conv[1] + " channels, the width of no backbone stage (" + stageDims(backbone) + ")");
            }
        }
        return new HeadShapes(classes, channels, psp.size(), auxChannels, auxIn);
    }

    private static String stageDims(SwinConfig b) {
        int[] d = new int[b.numStages()];
        for (int i = 0; i < d.length; i++) d[i] = b.stageDim(i);
        return Arrays.toString(d);
    }

    private static long[] require(Map<String, long[]> m, String key, int rank) {
        long[] s = m.get(key);
        if (s == null) throw new IllegalArgumentException("weights lack " + key + ": not a complete UPerNet head");
        if (s.length != rank) throw new IllegalArgumentException(key + " must be " + rank + "-D, is " + Arrays.toString(s));
        return s;
    }
}
