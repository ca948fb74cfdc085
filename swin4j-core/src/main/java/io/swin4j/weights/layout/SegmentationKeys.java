package io.swin4j.weights.layout;

import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The canonical names and shapes a segmentation config needs, in the official seg repo's state-dict order: the
 * backbone ({@code backbone.} + the classifier's names without {@code norm}/{@code head}, then {@code norm0..3}), the
 * UPerHead ({@code conv_seg} first, as mmseg's BaseDecodeHead registers it, then PPM, bottleneck, laterals, FPN convs,
 * fpn_bottleneck) and the FCN auxiliary head; BatchNorm running statistics included, {@code num_batches_tracked} not.
 */
public final class SegmentationKeys {

    private SegmentationKeys() {}

    public static Map<String, long[]> expected(SegmentationConfig c) {
        SwinConfig b = c.backbone();
        Map<String, long[]> out = new LinkedHashMap<>();
        SwinTransformer.parameterShapes(b.toBuilder().optNumClasses(0).build()).forEach((k, v) -> {
            if (!k.startsWith("norm.") && !k.startsWith("head.")) out.put(SegmentationAdapters.BACKBONE + k, v);
        });
        int stages = b.numStages();
        for (int i = 0; i < stages; i++) {
            out.put("backbone.norm" + i + ".weight", new long[] {b.stageDim(i)});
            out.put("backbone.norm" + i + ".bias", new long[] {b.stageDim(i)});
        }
        int ch = c.channels(), top = b.stageDim(stages - 1);
        String d = SegmentationAdapters.DECODE;
        out.put(d + "conv_seg.weight", new long[] {c.numClasses(), ch, 1, 1});
        out.put(d + "conv_seg.bias", new long[] {c.numClasses()});
        for (int k = 0; k < c.poolScales().length; k++) convModule(out, d + "psp_modules." + k + ".1.", ch, top, 1);
        convModule(out, d + "bottleneck.", ch, top + c.poolScales().length * ch, 3);
        for (int i = 0; i < stages - 1; i++) convModule(out, d + "lateral_convs." + i + ".", ch, b.stageDim(i), 1);
        for (int i = 0; i < stages - 1; i++) convModule(out, d + "fpn_convs." + i + ".", ch, ch, 3);
        convModule(out, d + "fpn_bottleneck.", ch, stages * ch, 3);
        if (c.hasAuxiliary()) {
            String a = SegmentationAdapters.AUX;
            out.put(a + "conv_seg.weight", new long[] {c.numClasses(), c.auxChannels(), 1, 1});
            out.put(a + "conv_seg.bias", new long[] {c.numClasses()});
            convModule(out, a + "convs.0.", c.auxChannels(), b.stageDim(c.auxInIndex()), 3);
        }
        return out;
    }

    /** mmcv ConvModule with BN: a bias-free conv and BatchNorm2d (affine + running statistics). */
    private static void convModule(Map<String, long[]> out, String prefix, int outCh, int inCh, int k) {
        out.put(prefix + "conv.weight", new long[] {outCh, inCh, k, k});
        for (String s : new String[] {"weight", "bias", "running_mean", "running_var"}) {
            out.put(prefix + "bn." + s, new long[] {outCh});
        }
    }
}
