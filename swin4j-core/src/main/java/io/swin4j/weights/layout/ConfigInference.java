package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Derives the architecture from canonical tensor shapes. Every family reads embed dim, patch size and input channels
 * from the patch projection, depths from the block indices, classes from the head, mlp ratio, ape and patch norm from
 * shapes and presence; heads and windows are the family's ({@link AdapterFamily#infer}: V1's bias tables, V2's
 * logit_scale and buffer hints, Swin-MLP's spatial MLP). The image size, which no tensor holds unless ape is on,
 * comes from (in order) the absolute position embedding, a later stage whose window is smaller (the official code
 * shrinks the window to the map there, so the map size is known), a preset with the same architecture, or 32·M
 * (224 for M=7, 384 for M=12). When a preset has the architecture, the preset is the answer, name included.
 */
public final class ConfigInference {

    private ConfigInference() {}

    public static SwinConfig infer(Map<String, HostTensor> canonical, SizeRule rule) {
        return inferFromShapes(shapes(canonical), rule);
    }

    /** As {@link #infer}, from shapes alone (no tensor data needed); the family is told by the keys. */
    public static SwinConfig inferFromShapes(Map<String, long[]> canonical, SizeRule rule) {
        return inferFromShapes(canonical, rule, LayoutHints.none(), new ArrayList<>());
    }

    /** As {@link #inferFromShapes(Map, SizeRule)} with what the buffers told; {@code notes} gets what was assumed. */
    public static SwinConfig inferFromShapes(Map<String, long[]> canonical, SizeRule rule, LayoutHints hints, List<String> notes) {
        return Adapters.family(Adapters.familyOf(canonical.keySet())).infer(canonical, rule, hints, notes);
    }

    static Map<String, long[]> shapes(Map<String, HostTensor> tensors) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((k, v) -> shapes.put(k, v.shape()));
        return shapes;
    }

    /**
     * What every family reads alike.
     *
     * @param firstBlock stage → shape of the family's marker tensor in the stage's block 0
     */
    record Stem(int embed, int inChans, int patch, int[] depths, Map<Integer, long[]> firstBlock) {}

    /** The stem and the stages, counted by {@code marker} (a per-block tensor: groups stage, block). */
    static Stem stem(Map<String, long[]> canonical, Pattern marker) {
        long[] proj = require(canonical, "patch_embed.proj.weight");
        if (proj.length != 4) throw new IllegalArgumentException("patch_embed.proj.weight must be 4-D, is " + Arrays.toString(proj));
        TreeMap<Integer, Integer> depth = new TreeMap<>();
        TreeMap<Integer, long[]> first = new TreeMap<>();
        for (Map.Entry<String, long[]> e : canonical.entrySet()) {
            Matcher m = marker.matcher(e.getKey());
            if (!m.matches()) continue;
            int stage = Integer.parseInt(m.group(1)), block = Integer.parseInt(m.group(2));
            depth.merge(stage, block + 1, Math::max);
            if (block == 0) first.put(stage, e.getValue());
        }
        if (depth.isEmpty()) throw new IllegalArgumentException("no Swin blocks (layers.i.blocks.j...) in the weights");
        int stages = depth.lastKey() + 1;
        int[] depths = new int[stages];
        for (int i = 0; i < stages; i++) {
            if (!depth.containsKey(i) || !first.containsKey(i)) {
                throw new IllegalArgumentException("stage " + i + " has no blocks (stages must be numbered 0.." + (stages - 1) + ")");
            }
            depths[i] = depth.get(i);
        }
        return new Stem((int) proj[0], (int) proj[1], (int) proj[2], depths, first);
    }

    /**
     * The config from the stem, the family's heads and per-stage windows (0: unknown), qkv bias and pretrained
     * windows (null: none / unknown).
     */
    static SwinConfig complete(Stem s, SwinConfig.Family family, int[] heads, int[] windows, boolean qkvBias,
                               int[] pretrained, Map<String, long[]> canonical, SizeRule rule, List<String> notes) {
        long[] fc1 = require(canonical, "layers.0.blocks.0.mlp.fc1.weight");
        double mlpRatio = (double) fc1[0] / s.embed();
        long[] head = canonical.get("head.weight");
        int classes = head == null ? 0 : (int) head[0];
        boolean patchNorm = canonical.containsKey("patch_embed.norm.weight");
        long[] ape = canonical.get("absolute_pos_embed");
        int stages = s.depths().length;

        SwinConfig.Builder b = SwinConfig.builder().optName("custom").optPatchSize(s.patch()).optInChans(s.inChans())
                .optEmbedDim(s.embed()).optDepths(s.depths()).optNumHeads(heads)
                .optMlpRatio(mlpRatio).optNumClasses(classes).optQkvBias(qkvBias).optPatchNorm(patchNorm)
                .optApe(ape != null).optSizeRule(rule).optDropPathRate(0).optFamily(family)
                .optPretrainedWindowSizes(pretrained != null ? pretrained : new int[stages]);
        Integer img = null;
        if (ape != null) img = (int) Math.round(Math.sqrt(ape[1])) * s.patch();
        int window = windows[0];
        if (window <= 0) {
            // the file does not say (V2 without buffers): a preset with these parameters, else 8
            SwinConfig probe = b.optWindowSize(8).optImgSize(img != null ? img : 256).build();
            List<SwinConfig> same = SwinConfig.presetNames().stream().map(SwinConfig::preset)
                    .filter(p -> sameParameters(p, probe)).sorted(preferRule(rule)).toList();
            if (!same.isEmpty()) {
                SwinConfig p = same.get(0);
                notes.add("the weights do not hold the window (no relative_coords_table / relative_position_index): window "
                        + p.windowSize() + " and pretrained windows " + Arrays.toString(p.pretrainedWindowSizes())
                        + " of preset " + p.name() + (same.size() > 1 ? " (also fits: "
                        + same.subList(1, same.size()).stream().map(SwinConfig::name).toList() + "; choose with --arch)" : ""));
                if (img == null || img == p.imgSize()) return p.toBuilder().optSizeRule(rule).build();
                return p.toBuilder().optName("custom").optImgSize(img).optSizeRule(rule).build();
            }
            window = 8;
            notes.add("the weights do not hold the window (no relative_coords_table / relative_position_index) and no "
                    + "preset has these parameters: window 8 assumed (if it was trained at another window, name its preset with "
                    + "--arch, or set it with SwinWeights.withConfig)");
        } else if (img == null) {
            for (int i = 1; i < stages && img == null; i++) {
                if (windows[i] > 0 && windows[i] < window) img = (windows[i] * s.patch()) << i;
            }
        }
        SwinConfig shaped = b.optWindowSize(window).optImgSize(img != null ? img : 32 * window).build();
        Optional<SwinConfig> preset = matchingPreset(shaped);
        if (preset.isPresent() && (img == null || img == preset.get().imgSize())) {
            return preset.get().toBuilder().optSizeRule(rule).build();
        }
        return shaped;
    }

    /** Same parameter shapes (family, dims, depths, heads, classes, ...), whatever the window. */
    private static boolean sameParameters(SwinConfig p, SwinConfig c) {
        return p.family() == c.family() && p.sameArchitecture(c.toBuilder().optWindowSize(p.windowSize())
                .optPretrainedWindowSizes(p.pretrainedWindowSizes()).build());
    }

    private static Comparator<SwinConfig> preferRule(SizeRule rule) {
        return Comparator.comparing(p -> p.sizeRule() != rule);
    }

    /** A preset with the same architecture (including class count), if any; one of the same size rule first. */
    public static Optional<SwinConfig> matchingPreset(SwinConfig c) {
        return SwinConfig.presetNames().stream().map(SwinConfig::preset).filter(p -> p.sameArchitecture(c))
                .sorted(preferRule(c.sizeRule())).findFirst();
    }

    /**
     * As {@link #check(SwinConfig, SwinConfig)}, leaving out what the weights could not tell: a V2 file without
     * relative_coords_table / relative_position_index holds no window, and only the official coordinate tables hold
     * the pretrained windows, so the inferred values there are assumptions, not differences.
     */
    public static List<String> check(SwinConfig inferred, SwinConfig requested, LayoutHints hints) {
        if (inferred.family() == SwinConfig.Family.V2 && inferred.family() == requested.family()
                && inferred.numStages() == requested.numStages()) {
            SwinConfig.Builder b = inferred.toBuilder();
            if (hints.stageWindows().isEmpty()) b.optWindowSize(requested.windowSize());
            if (hints.pretrainedWindows().size() != inferred.numStages()) {
                b.optPretrainedWindowSizes(requested.pretrainedWindowSizes());
            }
            inferred = b.build();
        }
        return check(inferred, requested);
    }

    /** Human-readable differences between what the weights hold and a requested preset. */
    public static List<String> check(SwinConfig inferred, SwinConfig requested) {
        List<String> out = new ArrayList<>();
        if (inferred.family() != requested.family()) {
            out.add("family: checkpoint " + inferred.family() + ", preset " + requested.family());
        }
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
            boolean resizable = inferred.family() != SwinConfig.Family.MLP;
            out.add("window: checkpoint " + inferred.windowSize() + ", preset " + requested.windowSize()
                    + (resizable ? " (resizable: swin convert --window " + requested.windowSize() + ")"
                    : " (Swin-MLP weights cannot change window)"));
        }
        if (!Arrays.equals(inferred.pretrainedWindowSizes(), requested.pretrainedWindowSizes())) {
            out.add("pretrained windows: checkpoint " + Arrays.toString(inferred.pretrainedWindowSizes()) + ", preset "
                    + Arrays.toString(requested.pretrainedWindowSizes()));
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

    static long[] require(Map<String, long[]> m, String key) {
        long[] t = m.get(key);
        if (t == null) throw new IllegalArgumentException("weights lack " + key + ": cannot infer the architecture");
        return t;
    }
}
