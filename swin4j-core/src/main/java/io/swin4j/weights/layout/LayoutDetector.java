package io.swin4j.weights.layout;

import java.util.Arrays;
import java.util.Collection;
import java.util.stream.Collectors;

/** Recognises a state dict's layout from its key names (the heuristic table of the reference doc). */
public final class LayoutDetector {

    private LayoutDetector() {}

    public static Layout detect(Collection<String> keys) {
        if (keys.stream().anyMatch(k -> k.startsWith("features.0.0."))) return Layout.TORCHVISION;
        if (keys.stream().anyMatch(k -> k.matches("(backbone\\.)?stages\\.0\\.blocks\\.0\\.attn\\.w_msa\\..*"))) {
            return Layout.MMDET;
        }
        if (keys.stream().anyMatch(k -> k.contains("embeddings.patch_embeddings.projection."))) {
            return keys.stream().anyMatch(k -> k.contains(".attention.q_proj.")) ? Layout.HF_V5 : Layout.HF;
        }
        if (keys.contains("patch_embed.proj.weight")) {
            boolean timmMerge = keys.stream().noneMatch(k -> k.startsWith("layers.0.downsample."))
                    && keys.stream().anyMatch(k -> k.matches("layers\\.1\\.downsample\\..*"));
            if (timmMerge || keys.contains("head.fc.weight")) return Layout.TIMM;
            return Layout.OFFICIAL;
        }
        String sample = keys.stream().limit(6).collect(Collectors.joining(", "));
        throw new UnknownLayoutException("unknown checkpoint layout: none of "
                + Arrays.toString(Layout.values()) + " matches its keys (first keys: " + sample
                + (keys.size() > 6 ? ", ... " + keys.size() + " in all" : "") + ")");
    }
}
