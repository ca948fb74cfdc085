package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/** The canonical parameter names and shapes a config needs, in the model's registration order. */
public final class CanonicalKeys {

    private CanonicalKeys() {}

    public static Map<String, long[]> expected(SwinConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int p = c.patchSize(), e = c.embedDim();
        m.put("patch_embed.proj.weight", new long[] {e, c.inChans(), p, p});
        m.put("patch_embed.proj.bias", new long[] {e});
        if (c.patchNorm()) {
            m.put("patch_embed.norm.weight", new long[] {e});
            m.put("patch_embed.norm.bias", new long[] {e});
        }
        if (c.ape()) {
            long r = c.imgSize() / p;
            m.put("absolute_pos_embed", new long[] {1, r * r, e});
        }
        for (int i = 0; i < c.numStages(); i++) {
            long dim = c.stageDim(i), hidden = c.mlpHidden(i), side = 2L * c.stageWindow(i) - 1;
            for (int j = 0; j < c.depths()[i]; j++) {
                String b = "layers." + i + ".blocks." + j + ".";
                m.put(b + "norm1.weight", new long[] {dim});
                m.put(b + "norm1.bias", new long[] {dim});
                m.put(b + "attn.relative_position_bias_table", new long[] {side * side, c.numHeads()[i]});
                m.put(b + "attn.qkv.weight", new long[] {3 * dim, dim});
                if (c.qkvBias()) m.put(b + "attn.qkv.bias", new long[] {3 * dim});
                m.put(b + "attn.proj.weight", new long[] {dim, dim});
                m.put(b + "attn.proj.bias", new long[] {dim});
                m.put(b + "norm2.weight", new long[] {dim});
                m.put(b + "norm2.bias", new long[] {dim});
                m.put(b + "mlp.fc1.weight", new long[] {hidden, dim});
                m.put(b + "mlp.fc1.bias", new long[] {hidden});
                m.put(b + "mlp.fc2.weight", new long[] {dim, hidden});
                m.put(b + "mlp.fc2.bias", new long[] {dim});
            }
            if (i < c.numStages() - 1) {
                String d = "layers." + i + ".downsample.";
                m.put(d + "reduction.weight", new long[] {2 * dim, 4 * dim});
                m.put(d + "norm.weight", new long[] {4 * dim});
                m.put(d + "norm.bias", new long[] {4 * dim});
            }
        }
        m.put("norm.weight", new long[] {c.numFeatures()});
        m.put("norm.bias", new long[] {c.numFeatures()});
        if (c.numClasses() > 0) {
            m.put("head.weight", new long[] {c.numClasses(), c.numFeatures()});
            m.put("head.bias", new long[] {c.numClasses()});
        }
        return m;
    }

    public static long parameterCount(SwinConfig c) {
        long n = 0;
        for (long[] s : expected(c).values()) {
            long k = 1;
            for (long d : s) k *= d;
            n += k;
        }
        return n;
    }
}
