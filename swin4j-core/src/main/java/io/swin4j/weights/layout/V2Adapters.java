package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.swin4j.weights.layout.Rewrites.BLOCK;

/**
 * Swin V2 (cosine attention, continuous position bias MLP, res-post-norm): official, timm, HF Swinv2, torchvision.
 * Canonical names are the official ones: attn.{qkv.weight, q_bias, v_bias, logit_scale, cpb_mlp.0/2, proj}.
 */
final class V2Adapters implements AdapterFamily {

    static final V2Adapters INSTANCE = new V2Adapters();

    private static final SwinConfig.Family V2 = SwinConfig.Family.V2;

    private V2Adapters() {}

    private static final String HB = "(?:swinv2\\.)?encoder\\.layers\\.(\\d+)\\.blocks\\.(\\d+)\\.";
    private static final String SELF = HB + "attention\\.self\\.";

    /** HF Swinv2 → canonical: query/key/value weights to stack, query/value biases are q_bias/v_bias. */
    static final Function<String, String> FROM_HF = RuleAdapter.rules(
            "(?:swinv2\\.)?embeddings\\.patch_embeddings\\.projection\\.(.*)", "patch_embed.proj.$1",
            "(?:swinv2\\.)?embeddings\\.norm\\.(.*)", "patch_embed.norm.$1",
            "(?:swinv2\\.)?embeddings\\.position_embeddings", "absolute_pos_embed",
            HB + "layernorm_before\\.(.*)", BLOCK + "norm1.$3",
            HB + "layernorm_after\\.(.*)", BLOCK + "norm2.$3",
            SELF + "query\\.weight", BLOCK + "attn.__q__.weight",
            SELF + "key\\.weight", BLOCK + "attn.__k__.weight",
            SELF + "value\\.weight", BLOCK + "attn.__v__.weight",
            SELF + "query\\.bias", BLOCK + "attn.q_bias",
            SELF + "value\\.bias", BLOCK + "attn.v_bias",
            SELF + "key\\.bias", BLOCK + "attn.__key_bias__",
            SELF + "logit_scale", BLOCK + "attn.logit_scale",
            SELF + "continuous_position_bias_mlp\\.(.*)", BLOCK + "attn.cpb_mlp.$3",
            SELF + "(relative_coords_table|relative_position_index)", BLOCK + "attn.$3",
            HB + "attention\\.output\\.dense\\.(.*)", BLOCK + "attn.proj.$3",
            HB + "intermediate\\.dense\\.(.*)", BLOCK + "mlp.fc1.$3",
            HB + "output\\.dense\\.(.*)", BLOCK + "mlp.fc2.$3",
            "(?:swinv2\\.)?encoder\\.layers\\.(\\d+)\\.downsample\\.(.*)", "layers.$1.downsample.$2",
            "(?:swinv2\\.)?layernorm\\.(.*)", "norm.$1",
            "classifier\\.(.*)", "head.$1");

    private static final String CB = "layers\\.(\\d+)\\.blocks\\.(\\d+)\\.";
    private static final String HF = "swinv2.encoder.layers.$1.blocks.$2.";

    static final Function<String, String> TO_HF = RuleAdapter.rules(
            "patch_embed\\.proj\\.(.*)", "swinv2.embeddings.patch_embeddings.projection.$1",
            "patch_embed\\.norm\\.(.*)", "swinv2.embeddings.norm.$1",
            "absolute_pos_embed", "swinv2.embeddings.position_embeddings",
            CB + "norm1\\.(.*)", HF + "layernorm_before.$3",
            CB + "norm2\\.(.*)", HF + "layernorm_after.$3",
            CB + "attn\\.__q__\\.weight", HF + "attention.self.query.weight",
            CB + "attn\\.__k__\\.weight", HF + "attention.self.key.weight",
            CB + "attn\\.__v__\\.weight", HF + "attention.self.value.weight",
            CB + "attn\\.q_bias", HF + "attention.self.query.bias",
            CB + "attn\\.v_bias", HF + "attention.self.value.bias",
            CB + "attn\\.logit_scale", HF + "attention.self.logit_scale",
            CB + "attn\\.cpb_mlp\\.(.*)", HF + "attention.self.continuous_position_bias_mlp.$3",
            CB + "attn\\.proj\\.(.*)", HF + "attention.output.dense.$3",
            CB + "mlp\\.fc1\\.(.*)", HF + "intermediate.dense.$3",
            CB + "mlp\\.fc2\\.(.*)", HF + "output.dense.$3",
            "layers\\.(\\d+)\\.downsample\\.(.*)", "swinv2.encoder.layers.$1.downsample.$2",
            "norm\\.(.*)", "swinv2.layernorm.$1",
            "head\\.(.*)", "classifier.$1");

    /**
     * HF's key projection has no bias (the official key bias is the constant 0); a file that carries one anyway
     * loses it, with a note when it is not zero.
     */
    private static final RuleAdapter.Fix DROP_KEY_BIAS = (out, ctx) -> {
        List<String> nonzero = out.entrySet().stream().filter(e -> e.getKey().endsWith("attn.__key_bias__"))
                .filter(e -> {
                    for (float x : e.getValue().data()) if (x != 0) return true;
                    return false;
                }).map(Map.Entry::getKey).toList();
        out.keySet().removeIf(k -> k.endsWith("attn.__key_bias__"));
        if (!nonzero.isEmpty()) {
            ctx.notes().add("attention.self.key.bias dropped though nonzero in " + nonzero.size()
                    + " blocks: Swin V2 has no key bias");
        }
    };

    private static boolean hasHfStem(Collection<String> keys) {
        return V1Adapters.hasHfStem(keys);
    }

    private static final List<CheckpointAdapter> ADAPTERS = List.of(
            RuleAdapter.builder(V2, Layout.TORCHVISION, "torchvision swin_v2_*: features.N, attn.qkv.bias (3C, key third "
                            + "zeroed at run time), cpb_mlp, logit_scale, mlp.0/mlp.3")
                    .matches(keys -> keys.stream().anyMatch(k -> k.startsWith("features.0.0.")))
                    .rename(Rewrites::torchvisionToCanonical).renameBack(Rewrites::canonicalToTorchvision)
                    .fix(Rewrites.SPLIT_QKV_BIAS).hints(V2Adapters::bufferHints).build(),
            RuleAdapter.builder(V2, Layout.HF, "HF transformers Swinv2: swinv2.embeddings/encoder..., split query/key/value "
                            + "(no key bias), continuous_position_bias_mlp, classifier.*")
                    .matches(V2Adapters::hasHfStem)
                    .rename(FROM_HF).renameBack(TO_HF).fix(DROP_KEY_BIAS, Rewrites.STACK_QKV)
                    .hints(V2Adapters::bufferHints).build(),
            RuleAdapter.builder(V2, Layout.TIMM, "timm swinv2_*: official block names, merge at the start of stage i+1, "
                            + "head.fc.*, no buffers")
                    .matches(keys -> keys.contains("patch_embed.proj.weight") && Rewrites.looksTimm(keys))
                    .rename(Rewrites::timmToCanonical).renameBack(Rewrites::canonicalToTimm)
                    .hints(V2Adapters::bufferHints).build(),
            RuleAdapter.builder(V2, Layout.OFFICIAL, "microsoft/Swin-Transformer swin_transformer_v2: layers.i.blocks.j..., "
                            + "buffers relative_coords_table, relative_position_index, attn_mask")
                    .matches(keys -> keys.contains("patch_embed.proj.weight"))
                    .renameBack(RuleAdapter.IDENTITY).hints(V2Adapters::bufferHints).build(),
            RuleAdapter.builder(V2, Layout.CANONICAL, "swin4j canonical: official V2 names without buffers")
                    .renameBack(RuleAdapter.IDENTITY).build());

    @Override public SwinConfig.Family family() { return V2; }

    @Override public String displayName() { return "Swin V2"; }

    /** The continuous position bias MLP and the attention temperature are V2's alone. */
    @Override
    public int score(Collection<String> keys) {
        return keys.stream().anyMatch(k -> k.contains("cpb_mlp.") || k.contains("continuous_position_bias_mlp.")
                || k.endsWith(".logit_scale")) ? 2 : 0;
    }

    @Override public List<CheckpointAdapter> adapters() { return ADAPTERS; }

    // ---------------------------------------------------------------- buffer hints

    private static final Pattern BUFFER = Pattern.compile("layers\\.(\\d+)\\.blocks\\.0\\.attn\\.(relative_coords_table|relative_position_index)");

    /**
     * The window of each stage from its first block's relative_coords_table (1, 2M−1, 2M−1, 2) or relative_position_index
     * (M², M²) or torchvision's flat (M⁴); the pretrained window from the table's corner value: the official code
     * divides the coordinate −(M−1) by (P−1) (P the pretrained window, else M), scales by 8 and stores
     * sign·log2(|x|+1)/3, so P = 8(M−1)/(2^{3|v|}−1) + 1.
     */
    static LayoutHints bufferHints(Map<String, HostTensor> buffers) {
        LayoutHints h = LayoutHints.none();
        for (Map.Entry<String, HostTensor> e : buffers.entrySet()) {
            Matcher m = BUFFER.matcher(e.getKey());
            if (!m.matches()) continue;
            int stage = Integer.parseInt(m.group(1));
            HostTensor t = e.getValue();
            if (m.group(2).equals("relative_coords_table")) {
                if (t.rank() != 4 || t.dim(1) % 2 == 0) continue;
                int window = (int) (t.dim(1) + 1) / 2;
                h.stageWindows().put(stage, window);
                if (window > 1) {
                    double v = Math.abs(t.data()[0]);
                    double x = Math.pow(2, 3 * v) - 1;
                    double p = 8.0 * (window - 1) / x + 1;
                    long pretrained = Math.round(p);
                    if (Math.abs(p - pretrained) < 0.01 && pretrained > 1) {
                        h.pretrainedWindows().put(stage, pretrained == window ? 0 : (int) pretrained);
                    }
                }
            } else if (!h.stageWindows().containsKey(stage)) {
                long n = t.rank() == 2 ? t.dim(0) : Math.round(Math.sqrt(t.numel()));
                int window = (int) Math.round(Math.sqrt(n));
                if ((long) window * window == n) h.stageWindows().put(stage, window);
            }
        }
        return h;
    }

    // ---------------------------------------------------------------- config

    private static final Pattern SCALE = Pattern.compile("layers\\.(\\d+)\\.blocks\\.(\\d+)\\.attn\\.logit_scale");

    /**
     * Heads from logit_scale (heads, 1, 1); the window and pretrained windows from the buffer hints when the file had
     * them, else from a preset with the same parameters, else 8 (noted).
     */
    @Override
    public SwinConfig infer(Map<String, long[]> shapes, SizeRule rule, LayoutHints hints, List<String> notes) {
        ConfigInference.Stem stem = ConfigInference.stem(shapes, SCALE);
        int stages = stem.depths().length;
        int[] heads = new int[stages], windows = new int[stages];
        for (int i = 0; i < stages; i++) {
            heads[i] = (int) stem.firstBlock().get(i)[0];
            windows[i] = hints.stageWindows().getOrDefault(i, 0);
        }
        int[] pretrained = null;
        if (hints.pretrainedWindows().size() == stages) {
            pretrained = new int[stages];
            for (int i = 0; i < stages; i++) pretrained[i] = hints.pretrainedWindows().get(i);
        } else if (windows[0] > 0) {
            notes.add("pretrained window sizes are not in the parameters (only the official relative_coords_table values "
                    + "tell them): 0 assumed, i.e. each stage's own window; a checkpoint fine-tuned from smaller windows "
                    + "(*_window12to16_*) needs its preset");
        }
        boolean qkvBias = shapes.containsKey("layers.0.blocks.0.attn.q_bias");
        return ConfigInference.complete(stem, V2, heads, windows, qkvBias, pretrained, shapes, rule, notes);
    }

    /**
     * Nothing to resize (the bias is an MLP over continuous coordinates; the absolute position embedding, if any, is
     * resized bicubically); see {@link #retargetConfig} for the pretrained windows.
     */
    @Override
    public Map<String, HostTensor> retarget(Map<String, HostTensor> canonical, SwinConfig from, SwinConfig target, List<String> notes) {
        return Resampling.retarget(canonical, target, notes);
    }

    /**
     * A stage whose window changes keeps normalising its coordinates by the window the weights were trained at, as the
     * official fine-tuning configs do (PRETRAINED_WINDOW_SIZES): the pretrained window of such a stage becomes its old
     * pretrained window, or its old window when it had none (0 where that equals the new window).
     */
    @Override
    public SwinConfig retargetConfig(SwinConfig from, SwinConfig target, List<String> notes) {
        int n = target.numStages();
        int[] pretrained = new int[n];
        boolean changed = false;
        for (int i = 0; i < n; i++) {
            int old = from.stageWindow(i), now = target.stageWindow(i);
            int trained = from.pretrainedWindow(i) != 0 ? from.pretrainedWindow(i) : old;
            pretrained[i] = now == old ? from.pretrainedWindow(i) : trained == now ? 0 : trained;
            changed |= pretrained[i] != from.pretrainedWindow(i);
        }
        if (!changed) return target;
        notes.add("stage windows " + windows(from) + " -> " + windows(target) + ": pretrained windows "
                + Arrays.toString(pretrained) + " (the continuous position bias keeps the coordinate scale it was trained at)");
        return target.toBuilder().optPretrainedWindowSizes(pretrained).build();
    }

    private static String windows(SwinConfig c) {
        int[] w = new int[c.numStages()];
        for (int i = 0; i < w.length; i++) w[i] = c.stageWindow(i);
        return Arrays.toString(w);
    }
}
