package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The renames and tensor rewrites several (family, source) adapters share: timm's merge position, torchvision's
 * flattened {@code features.N}, HF's split q/k/v, mmdet's unfold order and output norms, torchvision V2's 3C bias.
 */
final class Rewrites {

    private Rewrites() {}

    static final String BLOCK = "layers.$1.blocks.$2.";

    // ---------------------------------------------------------------- timm: merge at the start of the next stage

    private static final Pattern DOWNSAMPLE = Pattern.compile("layers\\.(\\d+)\\.downsample\\.(.*)");

    /** timm runs the merge at the start of stage i+1 and calls the classifier head.fc; the official code neither. */
    static String timmToCanonical(String key) {
        Matcher m = DOWNSAMPLE.matcher(key);
        if (m.matches()) return "layers." + (Integer.parseInt(m.group(1)) - 1) + ".downsample." + m.group(2);
        if (key.startsWith("head.fc.")) return "head." + key.substring("head.fc.".length());
        return key;
    }

    static String canonicalToTimm(String key) {
        Matcher m = DOWNSAMPLE.matcher(key);
        if (m.matches()) return "layers." + (Integer.parseInt(m.group(1)) + 1) + ".downsample." + m.group(2);
        if (key.startsWith("head.")) return "head.fc." + key.substring("head.".length());
        return key;
    }

    /** timm's own files: merges of stage i >= 1 without one in stage 0, or a head.fc. */
    static boolean looksTimm(java.util.Collection<String> keys) {
        boolean timmMerge = keys.stream().noneMatch(k -> k.startsWith("layers.0.downsample."))
                && keys.stream().anyMatch(k -> k.matches("layers\\.1\\.downsample\\..*"));
        return timmMerge || keys.contains("head.fc.weight");
    }

    // ---------------------------------------------------------------- torchvision: features.N

    private static final Pattern TV_FEATURE = Pattern.compile("features\\.(\\d+)\\.(.*)");
    private static final Pattern TV_BLOCK = Pattern.compile("(\\d+)\\.(.*)");
    private static final Function<String, String> TV_STEM = RuleAdapter.rules(
            "features\\.0\\.0\\.(.*)", "patch_embed.proj.$1",
            "features\\.0\\.2\\.(.*)", "patch_embed.norm.$1",
            "(norm|head)\\.(weight|bias)", "$1.$2");

    /** features.0 = stem (conv, permute, norm); features.2i+1.j = block j of stage i; features.2i+2 = merge i. */
    static String torchvisionToCanonical(String key) {
        Matcher m = TV_FEATURE.matcher(key);
        if (m.matches() && !key.startsWith("features.0.")) {
            int n = Integer.parseInt(m.group(1));
            String rest = m.group(2);
            if (n % 2 == 0) return "layers." + (n - 2) / 2 + ".downsample." + rest;
            Matcher block = TV_BLOCK.matcher(rest);
            if (!block.matches()) return null;
            String inner = block.group(2).replaceFirst("^mlp\\.0\\.", "mlp.fc1.").replaceFirst("^mlp\\.3\\.", "mlp.fc2.");
            return "layers." + (n - 1) / 2 + ".blocks." + block.group(1) + "." + inner;
        }
        return TV_STEM.apply(key);
    }

    private static final Pattern CANON_BLOCK = Pattern.compile("layers\\.(\\d+)\\.blocks\\.(\\d+)\\.(.*)");

    static String canonicalToTorchvision(String key) {
        Matcher b = CANON_BLOCK.matcher(key);
        if (b.matches()) {
            String inner = b.group(3).replaceFirst("^mlp\\.fc1\\.", "mlp.0.").replaceFirst("^mlp\\.fc2\\.", "mlp.3.");
            return "features." + (2 * Integer.parseInt(b.group(1)) + 1) + "." + b.group(2) + "." + inner;
        }
        Matcher d = DOWNSAMPLE.matcher(key);
        if (d.matches()) return "features." + (2 * Integer.parseInt(d.group(1)) + 2) + "." + d.group(2);
        if (key.startsWith("patch_embed.proj.")) return "features.0.0." + key.substring("patch_embed.proj.".length());
        if (key.startsWith("patch_embed.norm.")) return "features.0.2." + key.substring("patch_embed.norm.".length());
        if (key.matches("(norm|head)\\.(weight|bias)")) return key;
        return null;
    }

    // ---------------------------------------------------------------- HF: query/key/value apart

    /** Marks one of HF's q/k/v after renaming: prefix, which of q/k/v, weight or bias. */
    private static final Pattern QKV_PART = Pattern.compile("(.*attn\\.)__([qkv])__\\.(weight|bias)");
    private static final Pattern QKV = Pattern.compile("(.*attn\\.)qkv\\.(weight|bias)");

    /** Joins the renamed {@code attn.__q__/__k__/__v__} parts into {@code attn.qkv} (rows q, k, v); splits it back. */
    static final RuleAdapter.Fix STACK_QKV = new RuleAdapter.Fix() {
        @Override
        public void toCanonical(Map<String, HostTensor> out, RuleAdapter.Context ctx) {
            Map<String, HostTensor[]> qkv = new TreeMap<>();
            for (var it = out.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                Matcher split = QKV_PART.matcher(e.getKey());
                if (!split.matches()) continue;
                String target = split.group(1) + "qkv." + split.group(3);
                qkv.computeIfAbsent(target, k -> new HostTensor[3])["qkv".indexOf(split.group(2))] = e.getValue();
                it.remove();
            }
            qkv.forEach((target, parts) -> {
                if (parts[0] == null || parts[1] == null || parts[2] == null) {
                    ctx.unexpected().add(target.replace("qkv.", "{query,key,value}.") + " (incomplete q/k/v)");
                } else {
                    out.put(target, concatRows(parts));
                }
            });
        }

        @Override
        public void toSource(Map<String, HostTensor> m, SwinConfig config, List<String> notes) {
            replaceEach(m, (k, v) -> {
                Matcher q = QKV.matcher(k);
                if (!q.matches()) return null;
                HostTensor[] parts = splitRows(v, 3);
                Map<String, HostTensor> r = new LinkedHashMap<>();
                for (int i = 0; i < 3; i++) r.put(q.group(1) + "__" + "qkv".charAt(i) + "__." + q.group(2), parts[i]);
                return r;
            });
        }
    };

    // ---------------------------------------------------------------- torchvision V2: one 3C bias

    private static final Pattern QKV_BIAS = Pattern.compile("(.*attn\\.)qkv\\.bias");
    private static final Pattern Q_BIAS = Pattern.compile("(.*attn\\.)q_bias");

    /**
     * torchvision V2 keeps a full 3C {@code qkv.bias} and zeroes its key third at run time: the official q_bias is the
     * first third, v_bias the last; the key third is dropped (noted when nonzero). Written back with a zero key third.
     */
    static final RuleAdapter.Fix SPLIT_QKV_BIAS = new RuleAdapter.Fix() {
        @Override
        public void toCanonical(Map<String, HostTensor> out, RuleAdapter.Context ctx) {
            List<String> nonzero = new ArrayList<>();
            float[] maxAbs = {0};
            replaceEach(out, (k, v) -> {
                Matcher m = QKV_BIAS.matcher(k);
                if (!m.matches() || v.rank() != 1 || v.dim(0) % 3 != 0) return null;
                HostTensor[] parts = splitRows(v, 3);
                for (float x : parts[1].data()) {
                    if (x != 0) {
                        if (nonzero.isEmpty() || !nonzero.get(nonzero.size() - 1).equals(k)) nonzero.add(k);
                        maxAbs[0] = Math.max(maxAbs[0], Math.abs(x));
                    }
                }
                Map<String, HostTensor> r = new LinkedHashMap<>();
                r.put(m.group(1) + "q_bias", parts[0]);
                r.put(m.group(1) + "v_bias", parts[2]);
                return r;
            });
            if (!nonzero.isEmpty()) {
                ctx.notes().add("qkv.bias key thirds dropped though nonzero in " + nonzero.size() + " blocks (max |value| "
                        + maxAbs[0] + "): torchvision zeroes them before use, so the outputs do not change");
            }
        }

        @Override
        public void toSource(Map<String, HostTensor> m, SwinConfig config, List<String> notes) {
            Map<String, HostTensor> vBias = new LinkedHashMap<>();
            for (String k : List.copyOf(m.keySet())) {
                if (k.endsWith("attn.v_bias")) vBias.put(k, m.remove(k));
            }
            replaceEach(m, (k, q) -> {
                Matcher qm = Q_BIAS.matcher(k);
                if (!qm.matches()) return null;
                HostTensor v = vBias.remove(qm.group(1) + "v_bias");
                if (v == null) throw new IllegalArgumentException(k + " has no matching v_bias");
                HostTensor zero = new HostTensor(q.shape(), new float[q.data().length], q.sourceDType());
                return Map.of(qm.group(1) + "qkv.bias", concatRows(new HostTensor[] {q, zero, v}));
            });
            if (!vBias.isEmpty()) throw new IllegalArgumentException(vBias.keySet() + " have no matching q_bias");
        }
    };

    // ---------------------------------------------------------------- mmdet: unfold order and output norms

    /** mmdet's merge channel order (nn.Unfold: c·4 + k, k over [x0, x2, x1, x3]) → official (k·C + c). */
    private static final int[] UNFOLD_BLOCK = {0, 2, 1, 3};
    private static final Pattern MERGE = Pattern.compile("layers\\.\\d+\\.downsample\\.(reduction|norm)\\.(weight|bias)");

    /** mmdet stores merge weights in nn.Unfold's column order. */
    static final RuleAdapter.Fix UNFOLD_ORDER = new RuleAdapter.Fix() {
        @Override
        public void toCanonical(Map<String, HostTensor> out, RuleAdapter.Context ctx) {
            out.replaceAll((k, v) -> MERGE.matcher(k).matches() ? fromUnfoldOrder(v) : v);
        }

        @Override
        public void toSource(Map<String, HostTensor> m, SwinConfig config, List<String> notes) {
            m.replaceAll((k, v) -> MERGE.matcher(k).matches() ? toUnfoldOrder(v) : v);
        }
    };

    /** Present in {@link ConversionResult#extras()} when the mmdet fix had to use an identity final norm. */
    static final String IDENTITY_NORM_MARKER = "(no final norm: identity used)";

    /**
     * mmdet backbones have no final norm; they apply norm{i} to each output stage instead. A file converted from
     * an official checkpoint (swin2mmseg.py) still carries the official {@code norm.*}, which is then used as is;
     * otherwise the last stage's norm sits exactly where the official final norm does, so it becomes {@code norm};
     * without either an identity norm (weight 1, bias 0) keeps the pooled embedding defined. Writing drops the head,
     * as mmseg's converter does.
     */
    static final RuleAdapter.Fix MMDET_NORMS = new RuleAdapter.Fix() {
        @Override
        public void toCanonical(Map<String, HostTensor> out, RuleAdapter.Context ctx) {
            Map<String, HostTensor> extras = ctx.extras();
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
            Arrays.fill(ones, 1f);
            out.put("norm.weight", new HostTensor(ref.shape(), ones, "F32"));
            out.put("norm.bias", new HostTensor(ref.shape(), new float[ref.data().length], "F32"));
            extras.put(IDENTITY_NORM_MARKER, ref);
        }

        @Override
        public void toSource(Map<String, HostTensor> m, SwinConfig config, List<String> notes) {
            if (m.keySet().removeIf(k -> k.startsWith("head."))) notes.add("head dropped: mmdet/mmseg backbones have none");
        }
    };

    /** The mmdet value at column c·4 + k holds the official value at column UNFOLD_BLOCK[k]·C + c. */
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

    // ---------------------------------------------------------------- tensors

    static HostTensor concatRows(HostTensor[] parts) {
        int total = 0;
        for (HostTensor p : parts) total += p.data().length;
        float[] data = new float[total];
        int at = 0;
        for (HostTensor p : parts) {
            System.arraycopy(p.data(), 0, data, at, p.data().length);
            at += p.data().length;
        }
        long[] shape = parts[0].shape().clone();
        shape[0] *= parts.length;
        return new HostTensor(shape, data, parts[0].sourceDType());
    }

    /** {@code n} equal blocks of rows (dimension 0). */
    static HostTensor[] splitRows(HostTensor t, int n) {
        if (t.dim(0) % n != 0) throw new IllegalArgumentException("cannot split " + t.shapeString() + " in " + n);
        long[] shape = t.shape().clone();
        shape[0] /= n;
        int len = t.data().length / n;
        HostTensor[] out = new HostTensor[n];
        for (int i = 0; i < n; i++) {
            out[i] = new HostTensor(shape.clone(), Arrays.copyOfRange(t.data(), i * len, (i + 1) * len), t.sourceDType());
        }
        return out;
    }

    /** Replaces, in place and order, each entry for which {@code f} gives a map by that map's entries. */
    static void replaceEach(Map<String, HostTensor> m,
                            java.util.function.BiFunction<String, HostTensor, Map<String, HostTensor>> f) {
        Map<String, HostTensor> copy = new LinkedHashMap<>();
        boolean changed = false;
        for (Map.Entry<String, HostTensor> e : m.entrySet()) {
            Map<String, HostTensor> r = f.apply(e.getKey(), e.getValue());
            if (r == null) copy.put(e.getKey(), e.getValue());
            else {
                copy.putAll(r);
                changed = true;
            }
        }
        if (changed) {
            m.clear();
            m.putAll(copy);
        }
    }
}
