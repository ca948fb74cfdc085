package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives the architecture from canonical tensor shapes: embed dim, patch size and input channels from the
 * patch projection; depths from the block indices; heads from the bias-table columns; the window from the
 * first stage's table ((2M−1)² rows); classes from the head; mlp ratio, qkv bias, ape and patch norm from
 * shapes and presence. The image size, which no V1 tensor holds unless ape is on, comes from (in order) the
 * absolute position embedding, a later stage whose table is smaller (the official code shrinks the window
 * to the map there, so the map size is known), a preset with the same architecture, or 32·M (224 for M=7,
 * 384 for M=12).
 */
public final class ConfigInference {

    private static final Pattern BLOCK = Pattern.compile("layers\\.(\\d+)\\.blocks\\.(\\d+)\\.attn\\.relative_position_bias_table");

    private ConfigInference() {}

    public static SwinConfig infer(Map<String, HostTensor> canonical, SizeRule rule) {
        Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
        canonical.forEach((k, v) -> shapes.put(k, v.shape()));
        return inferFromShapes(shapes, rule);
    }

    /** As {@link #infer}, from shapes alone (no tensor data needed). */
    public static SwinConfig inferFromShapes(Map<String, long[]> canonical, SizeRule rule) {
        long[] proj = require(canonical, "patch_embed.proj.weight");
        if (proj.length != 4) throw new IllegalArgumentException("patch_embed.proj.weight must be 4-D, is " + Arrays.toString(proj));
        int embed = (int) proj[0], inChans = (int) proj[1], patch = (int) proj[2];
        TreeMap<Integer, Integer> depth = new TreeMap<>();
        TreeMap<Integer, long[]> firstTable = new TreeMap<>();
        for (Map.Entry<String, long[]> e : canonical.entrySet()) {
            Matcher m = BLOCK.matcher(e.getKey());
            if (!m.matches()) continue;
            int stage = Integer.parseInt(m.group(1)), block = Integer.parseInt(m.group(2));
            depth.merge(stage, block + 1, Math::max);
            if (block == 0) firstTable.put(stage, e.getValue());
        }
        if (depth.isEmpty()) throw new IllegalArgumentException("no Swin blocks (layers.i.blocks.j...) in the weights");
        int stages = depth.lastKey() + 1;
        int[] depths = new int[stages], heads = new int[stages], windows = new int[stages];
        for (int i = 0; i < stages; i++) {
            if (!depth.containsKey(i) || !firstTable.containsKey(i)) {
                throw new IllegalArgumentException("stage " + i + " has no blocks (stages must be numbered 0.." + (stages - 1) + ")");
            }
            depths[i] = depth.get(i);
            long[] t = firstTable.get(i);
            heads[i] = (int) t[1];
            int side = (int) Math.round(Math.sqrt(t[0]));
            if ((long) side * side != t[0] || side % 2 == 0) {
                throw new IllegalArgumentException("layers." + i + " relative_position_bias_table has " + t[0]
                        + " rows, not (2M-1)^2 for a window M");
            }
            windows[i] = (side + 1) / 2;
        }
        int window = windows[0];
        long[] fc1 = require(canonical, "layers.0.blocks.0.mlp.fc1.weight");
        double mlpRatio = (double) fc1[0] / embed;
        long[] head = canonical.get("head.weight");
        int classes = head == null ? 0 : (int) head[0];
        boolean qkvBias = canonical.containsKey("layers.0.blocks.0.attn.qkv.bias");
        boolean patchNorm = canonical.containsKey("patch_embed.norm.weight");
        long[] ape = canonical.get("absolute_pos_embed");

        SwinConfig.Builder b = SwinConfig.builder().optName("custom").optPatchSize(patch).optInChans(inChans)
                .optEmbedDim(embed).optDepths(depths).optNumHeads(heads).optWindowSize(window)
                .optMlpRatio(mlpRatio).optNumClasses(classes).optQkvBias(qkvBias).optPatchNorm(patchNorm)
                .optApe(ape != null).optSizeRule(rule).optDropPathRate(0);
        Integer img = null;
        if (ape != null) {
            int side = (int) Math.round(Math.sqrt(ape[1]));
            img = side * patch;
        } else {
            for (int i = 1; i < stages && img == null; i++) {
                if (windows[i] < window) img = (windows[i] * patch) << i;
            }
        }
        SwinConfig shaped = b.optImgSize(img != null ? img : 32 * window).build();
        Optional<SwinConfig> preset = matchingPreset(shaped);
        if (preset.isPresent() && (img == null || img == preset.get().imgSize())) {
            SwinConfig p = preset.get();
            return p.toBuilder().optSizeRule(rule).build();
        }
        return shaped;
    }

    /** A preset with the same architecture (including class count), if any. */
    public static Optional<SwinConfig> matchingPreset(SwinConfig c) {
        return SwinConfig.presetNames().stream().map(SwinConfig::preset).filter(p -> p.sameArchitecture(c)).findFirst();
    }

    /** Human-readable differences between what the weights hold and a requested preset. */
    public static List<String> check(SwinConfig inferred, SwinConfig requested) {
        List<String> out = new ArrayList<>();
        diff(out, "embed dim", inferred.embedDim(), requested.embedDim());
        diff(out, "patch size", inferred.patchSize(), requested.patchSize());
        diff(out, "input channels", inferred.inChans(), requested.inChans());
        if (!Arrays.equals(inferred.depths(), requested.depths())) {
            out.add("depths: checkpoint " + Arrays.toString(inferred.depths()) + ", preset " + Arrays.toString(requested.depths()));
        }
        if (!Arrays.equals(inferred.numHeads(), requested.numHeads())) {
            out.add("heads: checkpoint " + Arrays.toString(inferred.numHeads()) + ", preset " + Arrays.toString(requested.numHeads()));
        }
        if (inferred.windowSize() != requested.windowSize()) {
            out.add("window: checkpoint " + inferred.windowSize() + ", preset " + requested.windowSize()
                    + " (resizable: swin convert --window " + requested.windowSize() + ")");
        }
        diff(out, "classes", inferred.numClasses(), requested.numClasses());
        if (inferred.mlpRatio() != requested.mlpRatio()) out.add("mlp ratio: checkpoint " + inferred.mlpRatio() + ", preset " + requested.mlpRatio());
        if (inferred.qkvBias() != requested.qkvBias()) out.add("qkv bias: checkpoint " + inferred.qkvBias() + ", preset " + requested.qkvBias());
        if (inferred.ape() != requested.ape()) out.add("absolute position embedding: checkpoint " + inferred.ape() + ", preset " + requested.ape());
        if (inferred.patchNorm() != requested.patchNorm()) out.add("patch norm: checkpoint " + inferred.patchNorm() + ", preset " + requested.patchNorm());
        return out;
    }

    private static void diff(List<String> out, String what, int a, int b) {
        if (a != b) out.add(what + ": checkpoint " + a + ", preset " + b);
    }

    private static long[] require(Map<String, long[]> m, String key) {
        long[] t = m.get(key);
        if (t == null) throw new IllegalArgumentException("weights lack " + key + ": cannot infer the architecture");
        return t;
    }
}
