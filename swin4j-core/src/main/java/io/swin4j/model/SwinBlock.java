package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.geometry.WindowGeometry;
import io.swin4j.geometry.WindowPlan;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Swin block: x + DropPath(W-MSA or SW-MSA(LN(x))), then x + DropPath(MLP(LN(x))). Padding, cyclic
 * shift and window partition are one gather with indices from {@link WindowGeometry}; the reverse is another.
 */
final class SwinBlock {

    private final SwinConfig config;
    private final int window;
    private final boolean shifted;
    private final double dropPath;
    private final Tensor norm1Weight, norm1Bias, norm2Weight, norm2Bias, fc1Weight, fc1Bias, fc2Weight, fc2Bias;
    private final WindowAttention attention;
    private final Map<Long, PlanTensors> planCache = new ConcurrentHashMap<>();

    /** Gather indices and mask of one feature-map size; built once per size and reused. */
    private record PlanTensors(WindowPlan plan, Tensor partition, Tensor reverse, Tensor mask) {}

    SwinBlock(String prefix, int stage, int window, boolean shifted, double dropPath, SwinConfig config,
              Parameters params) {
        this.config = config;
        this.window = window;
        this.shifted = shifted;
        this.dropPath = dropPath;
        int dim = config.stageDim(stage), hidden = config.mlpHidden(stage);
        norm1Weight = params.register(prefix + "norm1.weight", dim);
        norm1Bias = params.register(prefix + "norm1.bias", dim);
        attention = new WindowAttention(prefix + "attn.", dim, config.numHeads()[stage], window, config, params);
        norm2Weight = params.register(prefix + "norm2.weight", dim);
        norm2Bias = params.register(prefix + "norm2.bias", dim);
        fc1Weight = params.register(prefix + "mlp.fc1.weight", hidden, dim);
        fc1Bias = params.register(prefix + "mlp.fc1.bias", hidden);
        fc2Weight = params.register(prefix + "mlp.fc2.weight", dim, hidden);
        fc2Bias = params.register(prefix + "mlp.fc2.bias", dim);
    }

    WindowPlan plan(int height, int width) {
        return planTensors(height, width).plan;
    }

    private PlanTensors planTensors(int height, int width) {
        return planCache.computeIfAbsent(((long) height << 32) | width, key -> {
            WindowPlan p = WindowPlan.of(height, width, window, shifted, config.sizeRule());
            int[] forward = WindowGeometry.partitionIndex(p);
            int[] reverse = WindowGeometry.reverseIndex(p);
            float[] mask = WindowGeometry.shiftMask(p, SwinConfig.MASK_FILL);
            int n = p.windowTokens();
            return new PlanTensors(p, Tensors.keep(Tensors.fromInts(forward, forward.length)),
                    Tensors.keep(Tensors.fromInts(reverse, reverse.length)),
                    mask == null ? null : Tensors.keep(Tensors.fromFloats(mask, p.numWindows(), n, n)));
        });
    }

    /** x: (B, H·W, C) → (B, H·W, C); {@code probsOut} receives attention probabilities if non-null. */
    Tensor forward(Tensor x, int height, int width, Tensor[] probsOut, boolean training) {
        PlanTensors pt = planTensors(height, width);
        WindowPlan p = pt.plan;
        long b = x.size(0), c = x.size(2);
        Tensor h = Ops.layerNorm(x, norm1Weight, norm1Bias);
        if (p.padded()) {
            // Padding tokens are zeros after the norm, as in the references; index H·W points at them.
            TensorVector parts = new TensorVector(h, torch.zeros(new long[] {b, 1, c}, h.options()));
            h = torch.cat(parts, 1);
        }
        int n = p.windowTokens();
        Tensor windows = h.index_select(1, pt.partition).view(b * p.numWindows(), n, c);
        Tensor attended = attention.forward(windows, p.windowH(), pt.mask, probsOut, training);
        Tensor merged = attended.view(b, (long) p.numWindows() * n, c).index_select(1, pt.reverse);
        x = x.add(Ops.dropPath(merged, dropPath, training));
        Tensor y = Ops.layerNorm(x, norm2Weight, norm2Bias);
        y = Ops.linear(y, fc1Weight, fc1Bias);
        y = Ops.dropout(Ops.gelu(y), config.dropRate(), training);
        y = Ops.dropout(Ops.linear(y, fc2Weight, fc2Bias), config.dropRate(), training);
        return x.add(Ops.dropPath(y, dropPath, training));
    }

    void close() {
        planCache.values().forEach(pt -> {
            pt.partition.close();
            pt.reverse.close();
            if (pt.mask != null) pt.mask.close();
        });
        planCache.clear();
        attention.close();
    }
}
