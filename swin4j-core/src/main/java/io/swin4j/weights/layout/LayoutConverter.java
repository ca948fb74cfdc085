package io.swin4j.weights.layout;

import io.swin4j.tensor.HostTensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts a state dict of any {@link Layout} to the canonical layout: the official names without buffers.
 * Key renames are one rule table per layout; the two tensor rewrites (HF's split q/k/v, mmdet's
 * unfold-ordered merge weights) are explicit functions below.
 */
public final class LayoutConverter {

    private LayoutConverter() {}

    /**
     * @param canonical      the converted parameters, official names
     * @param ignoredBuffers buffers the model recomputes (relative_position_index, attn_mask)
     * @param unexpected     keys with no canonical counterpart
     * @param extras         layout-specific tensors kept aside (mmdet's per-output norms norm0..3)
     */
    public record ConversionResult(Map<String, HostTensor> canonical, List<String> ignoredBuffers,
                                   List<String> unexpected, Map<String, HostTensor> extras) {}

    private static final Pattern BUFFER = Pattern.compile(".*(relative_position_index|attn_mask|num_batches_tracked)$");

    public static ConversionResult toCanonical(Map<String, HostTensor> source, Layout layout) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        List<String> buffers = new ArrayList<>(), unexpected = new ArrayList<>();
        Map<String, HostTensor> extras = new LinkedHashMap<>();
        // HF stores q, k, v apart: gathered per block, concatenated after the renames.
        Map<String, HostTensor[]> qkv = new TreeMap<>();
        for (Map.Entry<String, HostTensor> e : source.entrySet()) {
            String key = e.getKey();
            if (BUFFER.matcher(key).matches()) {
                buffers.add(key);
                continue;
            }
            String name = rename(key, layout);
            if (name == null) {
                if (layout == Layout.MMDET && key.matches("(backbone\\.)?norm\\d+\\.(weight|bias)")) extras.put(key, e.getValue());
                else unexpected.add(key);
                continue;
            }
            Matcher split = QKV_PART.matcher(name);
            if (split.matches()) {
                String target = split.group(1) + "qkv." + split.group(3);
                qkv.computeIfAbsent(target, k -> new HostTensor[3])["qkv".indexOf(split.group(2))] = e.getValue();
                continue;
            }
            HostTensor value = e.getValue();
            if (layout == Layout.MMDET && name.matches("layers\\.\\d+\\.downsample\\.(reduction|norm)\\.(weight|bias)")) {
                value = fromUnfoldOrder(value);
            }
            out.put(name, value);
        }
        qkv.forEach((target, parts) -> {
            if (parts[0] == null || parts[1] == null || parts[2] == null) {
                unexpected.add(target.replace("qkv.", "{query,key,value}.") + " (incomplete q/k/v)");
            } else {
                out.put(target, concatRows(parts));
            }
        });
        if (layout == Layout.MMDET) addFinalNorm(out, extras);
        return new ConversionResult(out, buffers, unexpected, extras);
    }

    /**
     * mmdet backbones have no final norm; they apply norm{i} to each output stage instead. A file converted from
     * an official checkpoint (swin2mmseg.py) still carries the official {@code norm.*}, which is then used as is;
     * otherwise the last stage's norm sits exactly where the official final norm does, so it becomes {@code norm};
     * without either an identity norm (weight 1, bias 0) keeps the pooled embedding defined.
     */
    private static void addFinalNorm(Map<String, HostTensor> out, Map<String, HostTensor> extras) {
        if (out.containsKey("norm.weight")) return;
        int last = out.keySet().stream().filter(k -> k.startsWith("layers."))
                .mapToInt(k -> Integer.parseInt(k.split("\\.")[1])).max().orElse(-1);
        for (String prefix : new String[] {"backbone.norm" + last + ".", "norm" + last + "."}) {
            if (extras.containsKey(prefix + "weight") && extras.containsKey(prefix + "bias")) {
                out.put("norm.weight", extras.remove(prefix + "weight"));
                out.put("norm.bias", extras.remove(prefix + "bias"));
                return;
            }
        }
        HostTensor ref = out.get("layers." + last + ".blocks.0.norm1.weight");
        if (ref == null) return;
        float[] ones = new float[ref.data().length];
        java.util.Arrays.fill(ones, 1f);
        out.put("norm.weight", new HostTensor(ref.shape(), ones, "F32"));
        out.put("norm.bias", new HostTensor(ref.shape(), new float[ref.data().length], "F32"));
        extras.put(IDENTITY_NORM_MARKER, ref);
    }

    /** Present in {@link ConversionResult#extras()} when {@link #addFinalNorm} had to use an identity norm. */
    public static final String IDENTITY_NORM_MARKER = "(no final norm: identity used)";

    /** Marks an HF q/k/v tensor after renaming: prefix, which of q/k/v, weight or bias. */
    private static final Pattern QKV_PART = Pattern.compile("(.*attn\\.)__([qkv])__\\.(weight|bias)");

    private record Rule(Pattern from, String to) {
        Rule(String from, String to) {
            this(Pattern.compile(from), to);
        }
    }

    private static final String BLOCK = "layers.$1.blocks.$2.";

    private static final Map<Layout, List<Rule>> RULES = Map.of(
            Layout.OFFICIAL, List.of(new Rule("(.*)", "$1")),
            Layout.CANONICAL, List.of(new Rule("(.*)", "$1")),
            Layout.TIMM, List.of(
                    new Rule("head\\.fc\\.(.*)", "head.$1"),
                    new Rule("(.*)", "$1")), // downsample index shift: see rename()
            Layout.HF, hfRules("attention\\.self\\.query", "attention\\.self\\.key", "attention\\.self\\.value",
                    "attention\\.output\\.dense", "attention\\.self\\.relative_position_bias_table",
                    "intermediate\\.dense", "output\\.dense"),
            Layout.HF_V5, hfRules("attention\\.q_proj", "attention\\.k_proj", "attention\\.v_proj",
                    "attention\\.o_proj", "attention\\.relative_position_bias\\.relative_position_bias_table",
                    "mlp\\.fc1", "mlp\\.fc2"),
            Layout.TORCHVISION, List.of(
                    new Rule("features\\.0\\.0\\.(.*)", "patch_embed.proj.$1"),
                    new Rule("features\\.0\\.2\\.(.*)", "patch_embed.norm.$1"),
                    new Rule("(norm|head)\\.(weight|bias)", "$1.$2")), // features.N: index arithmetic in rename()
            Layout.MMDET, List.of(
                    new Rule("(?:backbone\\.)?patch_embed\\.projection\\.(.*)", "patch_embed.proj.$1"),
                    new Rule("(?:backbone\\.)?patch_embed\\.norm\\.(.*)", "patch_embed.norm.$1"),
                    new Rule("(?:backbone\\.)?absolute_pos_embed", "absolute_pos_embed"),
                    new Rule("(?:backbone\\.)?stages\\.(\\d+)\\.blocks\\.(\\d+)\\.attn\\.w_msa\\.(.*)", BLOCK + "attn.$3"),
                    new Rule("(?:backbone\\.)?stages\\.(\\d+)\\.blocks\\.(\\d+)\\.ffn\\.layers\\.0\\.0\\.(.*)", BLOCK + "mlp.fc1.$3"),
                    new Rule("(?:backbone\\.)?stages\\.(\\d+)\\.blocks\\.(\\d+)\\.ffn\\.layers\\.1\\.(.*)", BLOCK + "mlp.fc2.$3"),
                    new Rule("(?:backbone\\.)?stages\\.(\\d+)\\.blocks\\.(\\d+)\\.(norm[12]\\..*)", BLOCK + "$3"),
                    new Rule("(?:backbone\\.)?stages\\.(\\d+)\\.downsample\\.(.*)", "layers.$1.downsample.$2"),
                    // mmseg's swin2mmseg.py / mmdet's swin_converter keep the official final norm under its own name
                    new Rule("(?:backbone\\.)?norm\\.(weight|bias)", "norm.$1")));

    private static List<Rule> hfRules(String q, String k, String v, String proj, String table, String fc1, String fc2) {
        String block = "(?:swin\\.)?encoder\\.layers\\.(\\d+)\\.blocks\\.(\\d+)\\.";
        return List.of(
                new Rule("(?:swin\\.)?embeddings\\.patch_embeddings\\.projection\\.(.*)", "patch_embed.proj.$1"),
                new Rule("(?:swin\\.)?embeddings\\.norm\\.(.*)", "patch_embed.norm.$1"),
                new Rule("(?:swin\\.)?embeddings\\.position_embeddings", "absolute_pos_embed"),
                new Rule(block + "layernorm_before\\.(.*)", BLOCK + "norm1.$3"),
                new Rule(block + "layernorm_after\\.(.*)", BLOCK + "norm2.$3"),
                new Rule(block + q + "\\.(.*)", BLOCK + "attn.__q__.$3"),
                new Rule(block + k + "\\.(.*)", BLOCK + "attn.__k__.$3"),
                new Rule(block + v + "\\.(.*)", BLOCK + "attn.__v__.$3"),
                new Rule(block + proj + "\\.(.*)", BLOCK + "attn.proj.$3"),
                new Rule(block + table, BLOCK + "attn.relative_position_bias_table"),
                new Rule(block + fc1 + "\\.(.*)", BLOCK + "mlp.fc1.$3"),
                new Rule(block + fc2 + "\\.(.*)", BLOCK + "mlp.fc2.$3"),
                new Rule("(?:swin\\.)?encoder\\.layers\\.(\\d+)\\.downsample\\.(.*)", "layers.$1.downsample.$2"),
                new Rule("(?:swin\\.)?layernorm\\.(.*)", "norm.$1"),
                new Rule("classifier\\.(.*)", "head.$1"));
    }

    private static final Pattern TIMM_DOWNSAMPLE = Pattern.compile("layers\\.(\\d+)\\.downsample\\.(.*)");
    private static final Pattern TV_FEATURE = Pattern.compile("features\\.(\\d+)\\.(.*)");

    /** The canonical name of {@code key}, or null if it has none. */
    static String rename(String key, Layout layout) {
        if (layout == Layout.TIMM) {
            // timm runs the merge at the start of stage i+1; the official code at the end of stage i.
            Matcher m = TIMM_DOWNSAMPLE.matcher(key);
            if (m.matches()) return "layers." + (Integer.parseInt(m.group(1)) - 1) + ".downsample." + m.group(2);
        }
        if (layout == Layout.TORCHVISION) {
            Matcher m = TV_FEATURE.matcher(key);
            if (m.matches() && !key.startsWith("features.0.")) {
                int n = Integer.parseInt(m.group(1));
                String rest = m.group(2);
                if (n % 2 == 0) return "layers." + (n - 2) / 2 + ".downsample." + rest; // features.2i+2 = merge i
                Matcher block = Pattern.compile("(\\d+)\\.(.*)").matcher(rest);           // features.2i+1.j = block j
                if (!block.matches()) return null;
                String inner = block.group(2).replace("mlp.0.", "mlp.fc1.").replace("mlp.3.", "mlp.fc2.");
                return "layers." + (n - 1) / 2 + ".blocks." + block.group(1) + "." + inner;
            }
        }
        for (Rule r : RULES.get(layout)) {
            Matcher m = r.from.matcher(key);
            if (m.matches()) return m.replaceFirst(r.to);
        }
        return null;
    }

    private static HostTensor concatRows(HostTensor[] parts) {
        int total = 0;
        for (HostTensor p : parts) total += p.data().length;
        float[] data = new float[total];
        int at = 0;
        for (HostTensor p : parts) {
            System.arraycopy(p.data(), 0, data, at, p.data().length);
            at += p.data().length;
        }
        long[] shape = parts[0].shape().clone();
        shape[0] *= 3;
        return new HostTensor(shape, data, parts[0].sourceDType());
    }

    /** mmdet's merge channel order (nn.Unfold: c·4 + k, k over [x0, x2, x1, x3]) → official (k·C + c). */
    private static final int[] UNFOLD_BLOCK = {0, 2, 1, 3};

    /**
     * Inverts mmdet's {@code correct_unfold_reduction_order} / {@code correct_unfold_norm_order}: the mmdet
     * value at column c·4 + k holds the official value at column UNFOLD_BLOCK[k]·C + c.
     */
    static HostTensor fromUnfoldOrder(HostTensor t) {
        int cols = (int) t.dim(-1), c = cols / 4, rows = t.data().length / cols;
        float[] out = new float[t.data().length];
        for (int r = 0; r < rows; r++) {
            for (int ch = 0; ch < c; ch++) {
                for (int k = 0; k < 4; k++) out[r * cols + UNFOLD_BLOCK[k] * c + ch] = t.data()[r * cols + ch * 4 + k];
            }
        }
        return new HostTensor(t.shape(), out, t.sourceDType());
    }

    /** mmdet's conversion itself (official → unfold order); the inverse of {@link #fromUnfoldOrder}. */
    static HostTensor toUnfoldOrder(HostTensor t) {
        int cols = (int) t.dim(-1), c = cols / 4, rows = t.data().length / cols;
        float[] out = new float[t.data().length];
        for (int r = 0; r < rows; r++) {
            for (int ch = 0; ch < c; ch++) {
                for (int k = 0; k < 4; k++) out[r * cols + ch * 4 + k] = t.data()[r * cols + UNFOLD_BLOCK[k] * c + ch];
            }
        }
        return new HostTensor(t.shape(), out, t.sourceDType());
    }
}
