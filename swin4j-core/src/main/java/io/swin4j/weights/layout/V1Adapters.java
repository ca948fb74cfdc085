package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

import static io.swin4j.weights.layout.Rewrites.BLOCK;

/** Swin V1 (window attention with a relative-position-bias table): official, timm, HF v4/v5, torchvision, mmdet. */
final class V1Adapters implements AdapterFamily {

    static final V1Adapters INSTANCE = new V1Adapters();

    private static final SwinConfig.Family V1 = SwinConfig.Family.V1;

    private V1Adapters() {}

    // ---------------------------------------------------------------- names

    static Function<String, String> hfRules(String q, String k, String v, String proj, String table, String fc1, String fc2) {
        String block = "(?:swin\\.)?encoder\\.layers\\.(\\d+)\\.blocks\\.(\\d+)\\.";
        return RuleAdapter.rules(
                "(?:swin\\.)?embeddings\\.patch_embeddings\\.projection\\.(.*)", "patch_embed.proj.$1",
                "(?:swin\\.)?embeddings\\.norm\\.(.*)", "patch_embed.norm.$1",
                "(?:swin\\.)?embeddings\\.position_embeddings", "absolute_pos_embed",
                block + "layernorm_before\\.(.*)", BLOCK + "norm1.$3",
                block + "layernorm_after\\.(.*)", BLOCK + "norm2.$3",
                block + q + "\\.(.*)", BLOCK + "attn.__q__.$3",
                block + k + "\\.(.*)", BLOCK + "attn.__k__.$3",
                block + v + "\\.(.*)", BLOCK + "attn.__v__.$3",
                block + proj + "\\.(.*)", BLOCK + "attn.proj.$3",
                block + table, BLOCK + "attn.relative_position_bias_table",
                block + "attention\\.self\\.relative_position_index", BLOCK + "attn.relative_position_index",
                block + fc1 + "\\.(.*)", BLOCK + "mlp.fc1.$3",
                block + fc2 + "\\.(.*)", BLOCK + "mlp.fc2.$3",
                "(?:swin\\.)?encoder\\.layers\\.(\\d+)\\.downsample\\.(.*)", "layers.$1.downsample.$2",
                "(?:swin\\.)?layernorm\\.(.*)", "norm.$1",
                "classifier\\.(.*)", "head.$1");
    }

    private static final String CB = "layers\\.(\\d+)\\.blocks\\.(\\d+)\\.";
    private static final String HF_BLOCK = "swin.encoder.layers.$1.blocks.$2.";

    /** Canonical → HF v4 hub names (swin. prefix, classifier unprefixed); q/k/v split by {@link Rewrites#STACK_QKV}. */
    static final Function<String, String> TO_HF = RuleAdapter.rules(
            "patch_embed\\.proj\\.(.*)", "swin.embeddings.patch_embeddings.projection.$1",
            "patch_embed\\.norm\\.(.*)", "swin.embeddings.norm.$1",
            "absolute_pos_embed", "swin.embeddings.position_embeddings",
            CB + "norm1\\.(.*)", HF_BLOCK + "layernorm_before.$3",
            CB + "norm2\\.(.*)", HF_BLOCK + "layernorm_after.$3",
            CB + "attn\\.__q__\\.(.*)", HF_BLOCK + "attention.self.query.$3",
            CB + "attn\\.__k__\\.(.*)", HF_BLOCK + "attention.self.key.$3",
            CB + "attn\\.__v__\\.(.*)", HF_BLOCK + "attention.self.value.$3",
            CB + "attn\\.proj\\.(.*)", HF_BLOCK + "attention.output.dense.$3",
            CB + "attn\\.relative_position_bias_table", HF_BLOCK + "attention.self.relative_position_bias_table",
            CB + "mlp\\.fc1\\.(.*)", HF_BLOCK + "intermediate.dense.$3",
            CB + "mlp\\.fc2\\.(.*)", HF_BLOCK + "output.dense.$3",
            "layers\\.(\\d+)\\.downsample\\.(.*)", "swin.encoder.layers.$1.downsample.$2",
            "norm\\.(.*)", "swin.layernorm.$1",
            "head\\.(.*)", "classifier.$1");

    private static final String MM = "(?:backbone\\.)?stages\\.(\\d+)\\.blocks\\.(\\d+)\\.";
    static final Function<String, String> FROM_MMDET = RuleAdapter.rules(
            "(?:backbone\\.)?patch_embed\\.projection\\.(.*)", "patch_embed.proj.$1",
            "(?:backbone\\.)?patch_embed\\.norm\\.(.*)", "patch_embed.norm.$1",
            "(?:backbone\\.)?absolute_pos_embed", "absolute_pos_embed",
            MM + "attn\\.w_msa\\.(.*)", BLOCK + "attn.$3",
            MM + "ffn\\.layers\\.0\\.0\\.(.*)", BLOCK + "mlp.fc1.$3",
            MM + "ffn\\.layers\\.1\\.(.*)", BLOCK + "mlp.fc2.$3",
            MM + "(norm[12]\\..*)", BLOCK + "$3",
            "(?:backbone\\.)?stages\\.(\\d+)\\.downsample\\.(.*)", "layers.$1.downsample.$2",
            // mmseg's swin2mmseg.py / mmdet's swin_converter keep the official final norm under its own name
            "(?:backbone\\.)?norm\\.(weight|bias)", "norm.$1");

    /** Canonical → what mmseg's swin2mmseg.py writes (no backbone. prefix, no head). */
    static final Function<String, String> TO_MMDET = RuleAdapter.rules(
            "patch_embed\\.proj\\.(.*)", "patch_embed.projection.$1",
            "patch_embed\\.norm\\.(.*)", "patch_embed.norm.$1",
            "absolute_pos_embed", "absolute_pos_embed",
            CB + "attn\\.(.*)", "stages.$1.blocks.$2.attn.w_msa.$3",
            CB + "mlp\\.fc1\\.(.*)", "stages.$1.blocks.$2.ffn.layers.0.0.$3",
            CB + "mlp\\.fc2\\.(.*)", "stages.$1.blocks.$2.ffn.layers.1.$3",
            CB + "(norm[12]\\..*)", "stages.$1.blocks.$2.$3",
            "layers\\.(\\d+)\\.downsample\\.(.*)", "stages.$1.downsample.$2",
            "norm\\.(weight|bias)", "norm.$1");

    private static boolean any(Collection<String> keys, String regex) {
        Pattern p = Pattern.compile(regex);
        return keys.stream().anyMatch(k -> p.matcher(k).matches());
    }

    static boolean hasHfStem(Collection<String> keys) {
        return keys.stream().anyMatch(k -> k.contains("embeddings.patch_embeddings.projection."));
    }

    private static final List<CheckpointAdapter> ADAPTERS = List.of(
            RuleAdapter.builder(V1, Layout.TORCHVISION, Layout.TORCHVISION.description())
                    .matches(keys -> keys.stream().anyMatch(k -> k.startsWith("features.0.0.")))
                    .rename(Rewrites::torchvisionToCanonical).renameBack(Rewrites::canonicalToTorchvision).build(),
            RuleAdapter.builder(V1, Layout.MMDET, Layout.MMDET.description())
                    .matches(keys -> any(keys, "(backbone\\.)?stages\\.0\\.blocks\\.0\\.attn\\.w_msa\\..*"))
                    .rename(FROM_MMDET).renameBack(TO_MMDET)
                    .extras(k -> k.matches("(backbone\\.)?norm\\d+\\.(weight|bias)"))
                    .fix(Rewrites.UNFOLD_ORDER, Rewrites.MMDET_NORMS).build(),
            RuleAdapter.builder(V1, Layout.HF_V5, Layout.HF_V5.description())
                    .matches(keys -> hasHfStem(keys) && keys.stream().anyMatch(k -> k.contains(".attention.q_proj.")))
                    .rename(hfRules("attention\\.q_proj", "attention\\.k_proj", "attention\\.v_proj", "attention\\.o_proj",
                            "attention\\.relative_position_bias\\.relative_position_bias_table", "mlp\\.fc1", "mlp\\.fc2"))
                    .fix(Rewrites.STACK_QKV).build(),
            RuleAdapter.builder(V1, Layout.HF, Layout.HF.description())
                    .matches(V1Adapters::hasHfStem)
                    .rename(hfRules("attention\\.self\\.query", "attention\\.self\\.key", "attention\\.self\\.value",
                            "attention\\.output\\.dense", "attention\\.self\\.relative_position_bias_table",
                            "intermediate\\.dense", "output\\.dense"))
                    .renameBack(TO_HF).fix(Rewrites.STACK_QKV).build(),
            RuleAdapter.builder(V1, Layout.TIMM, Layout.TIMM.description())
                    .matches(keys -> keys.contains("patch_embed.proj.weight") && Rewrites.looksTimm(keys))
                    .rename(Rewrites::timmToCanonical).renameBack(Rewrites::canonicalToTimm).build(),
            RuleAdapter.builder(V1, Layout.OFFICIAL, Layout.OFFICIAL.description())
                    .matches(keys -> keys.contains("patch_embed.proj.weight"))
                    .renameBack(RuleAdapter.IDENTITY).build(),
            RuleAdapter.builder(V1, Layout.CANONICAL, Layout.CANONICAL.description())
                    .renameBack(RuleAdapter.IDENTITY).build());

    @Override public SwinConfig.Family family() { return V1; }

    @Override public String displayName() { return "Swin V1"; }

    /** Anything that is no other family's is taken for V1. */
    @Override public int score(Collection<String> keys) { return 1; }

    @Override public List<CheckpointAdapter> adapters() { return ADAPTERS; }

    // ---------------------------------------------------------------- config

    private static final Pattern TABLE = Pattern.compile("layers\\.(\\d+)\\.blocks\\.(\\d+)\\.attn\\.relative_position_bias_table");

    /**
     * Heads from the bias-table columns, the window from the first stage's table ((2M−1)² rows), qkv bias from
     * presence; the rest as every family ({@link ConfigInference}).
     */
    @Override
    public SwinConfig infer(Map<String, long[]> shapes, SizeRule rule, LayoutHints hints, List<String> notes) {
        ConfigInference.Stem stem = ConfigInference.stem(shapes, TABLE);
        int stages = stem.depths().length;
        int[] heads = new int[stages], windows = new int[stages];
        for (int i = 0; i < stages; i++) {
            long[] t = stem.firstBlock().get(i);
            heads[i] = (int) t[1];
            int side = (int) Math.round(Math.sqrt(t[0]));
            if ((long) side * side != t[0] || side % 2 == 0) {
                throw new IllegalArgumentException("layers." + i + " relative_position_bias_table has " + t[0]
                        + " rows, not (2M-1)^2 for a window M");
            }
            windows[i] = (side + 1) / 2;
        }
        boolean qkvBias = shapes.containsKey("layers.0.blocks.0.attn.qkv.bias");
        return ConfigInference.complete(stem, V1, heads, windows, qkvBias, null, shapes, rule, notes);
    }

    /** Bias tables and the absolute position embedding resized bicubically, as official load_pretrained. */
    @Override
    public Map<String, HostTensor> retarget(Map<String, HostTensor> canonical, SwinConfig from, SwinConfig target, List<String> notes) {
        return Resampling.retarget(canonical, target, notes);
    }
}
