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
    private static final class PlanTensors {
        final WindowPlan plan;
        final Tensor partition, reverse, mask;
        /** Eval only: the attention's additive bias for this plan, valid while the table is unchanged. */
        WindowAttention.TableState biasState;
        Tensor bias;

        PlanTensors(WindowPlan plan, Tensor partition, Tensor reverse, Tensor mask) {
            this.plan = plan;
            this.partition = partition;
            this.reverse = reverse;
            this.mask = mask;
        }

        void close() {
            partition.close();
            reverse.close();
            if (mask != null) mask.close();
            if (bias != null) bias.close();
        }
    }

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
        Tensor windows = partition(Ops.layerNorm(x, norm1Weight, norm1Bias), pt);
        Tensor attended = attention.forward(windows, attentionBias(pt, training), probsOut, training);
        x = x.add(Ops.dropPath(reverse(attended, x.size(0), pt), dropPath, training));
        Tensor y = Ops.dropPath(mlp(Ops.layerNorm(x, norm2Weight, norm2Bias), training), dropPath, training);
        if (training) return x.add(y);
        // In eval, x is this block's own fresh sum: add the MLP branch in place.
        x.add_(y);
        return x;
    }

    /** Pad, cyclic shift and window partition in one gather: (B, H·W, C) → (B·nW, N, C). */
    Tensor partition(Tensor normed, int height, int width) {
        return partition(normed, planTensors(height, width));
    }

    private Tensor partition(Tensor h, PlanTensors pt) {
        WindowPlan p = pt.plan;
        long b = h.size(0), c = h.size(2);
        if (p.padded()) {
            // Padding tokens are zeros after the norm, as in the references; index H·W points at them.
            TensorVector parts = new TensorVector(h, torch.zeros(new long[] {b, 1, c}, h.options()));
            h = torch.cat(parts, 1);
        }
        return h.index_select(1, pt.partition).view(b * p.numWindows(), p.windowTokens(), c);
    }

    /** The inverse of {@link #partition}: window merge, reverse shift and crop in one gather. */
    Tensor reverse(Tensor attended, int height, int width, long batch) {
        return reverse(attended, batch, planTensors(height, width));
    }

    private Tensor reverse(Tensor attended, long batch, PlanTensors pt) {
        WindowPlan p = pt.plan;
        return attended.view(batch, (long) p.numWindows() * p.windowTokens(), attended.size(2)).index_select(1, pt.reverse);
    }

    /** The attention of this block on partitioned windows, with its cached bias in eval. */
    Tensor attention(Tensor windows, int height, int width, boolean training) {
        return attention.forward(windows, attentionBias(planTensors(height, width), training), null, training);
    }

    /** fc1 → exact GELU → fc2 (with dropout where configured). */
    Tensor mlp(Tensor normed, boolean training) {
        Tensor y = Ops.linear(normed, fc1Weight, fc1Bias);
        y = Ops.dropout(Ops.gelu(y), config.dropRate(), training);
        return Ops.dropout(Ops.linear(y, fc2Weight, fc2Bias), config.dropRate(), training);
    }

    /**
     * Relative position bias + shift mask. Training recomputes it (autograd needs the graph); eval computes
     * it once per plan and reuses it until the bias table changes.
     */
    private Tensor attentionBias(PlanTensors pt, boolean training) {
        int window = pt.plan.windowH();
        if (training) return attention.additiveBias(window, pt.mask);
        synchronized (pt) {
            WindowAttention.TableState state = attention.tableState();
            if (pt.bias == null || !state.equals(pt.biasState)) {
                if (pt.bias != null) pt.bias.close();
                pt.bias = Tensors.keep(attention.additiveBias(window, pt.mask));
                pt.biasState = state;
            }
            return pt.bias;
        }
    }

    void close() {
        planCache.values().forEach(PlanTensors::close);
        planCache.clear();
        attention.close();
    }
}
