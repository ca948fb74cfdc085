package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import io.swin4j.geometry.WindowPlan;
import org.bytedeco.pytorch.Tensor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Swin block of any family: pre-norm x + DropPath(mixer(LN(x))), x + DropPath(MLP(LN(x))) (V1, MLP), or
 * res-post-norm x + DropPath(LN(mixer(x))), x + DropPath(LN(MLP(x))) (V2). The mixer sees the tokens grouped by
 * window; padding, shift and partition are one gather ({@link BlockPlan}), the reverse another.
 */
final class SwinBlock extends Module {

    private final int window;
    private final boolean shifted, resPostNorm;
    private final double dropPath;
    private final SizeRule sizeRule;
    private final BlockParts.Shift shift;
    private final int dim;
    private final LayerNorm norm1, norm2;
    private final TokenMixer mixer;
    private final Mlp mlp;
    private final Map<Long, BlockPlan> plans = new ConcurrentHashMap<>();

    SwinBlock(SwinConfig config, BlockParts parts, int stage, int window, boolean shifted, double dropPath) {
        this.window = window;
        this.shifted = shifted;
        this.dropPath = dropPath;
        this.sizeRule = config.sizeRule();
        this.shift = parts.shift();
        this.resPostNorm = parts.resPostNorm();
        this.dim = config.stageDim(stage);
        // V2 starts its res-post-norms at weight 0 (_init_respostnorm): each block begins as the identity.
        Init normWeight = resPostNorm ? Init.ZEROS : Init.ONES;
        norm1 = child("norm1", new LayerNorm(dim, normWeight));
        mixer = child(parts.mixerName(), parts.mixer().create(config, stage, dim, config.numHeads()[stage], window,
                config.pretrainedWindow(stage)));
        norm2 = child("norm2", new LayerNorm(dim, normWeight));
        mlp = child("mlp", new Mlp(dim, config.mlpHidden(stage), config.dropRate()));
    }

    /** The windows at an H×W map (pure arithmetic). */
    WindowPlan windows(int height, int width) {
        return shift.windows(height, width, window, shifted, sizeRule);
    }

    private BlockPlan plan(int height, int width) {
        return plans.computeIfAbsent(BlockPlan.key(height, width), k -> shift.build(windows(height, width)));
    }

    boolean hasAttention() { return mixer.hasAttention(); }

    /** The block's windows at an H×W map with their gather indices (pure arithmetic). */
    ExportView.Windows layout(int height, int width) {
        return shift.layout(windows(height, width));
    }

    /** The mixer's additive attention bias at an H×W map in eval (null: none); owned by the block's cache. */
    Tensor additiveBias(int height, int width) {
        return mixer.additiveBias(plan(height, width));
    }

    TokenMixer mixer() { return mixer; }

    /** The block's configured window side. */
    int window() { return window; }

    /** Whether this is a shifted block (odd index in its stage). */
    boolean shiftedBlock() { return shifted; }

    boolean resPostNorm() { return resPostNorm; }

    /** x: (B, H·W, C) → (B, H·W, C); {@code probsOut} receives attention probabilities if non-null. */
    Tensor forward(Tensor x, int height, int width, Tensor[] probsOut, boolean training) {
        return forward(x, height, width, probsOut, null, training);
    }

    /**
     * As {@link #forward(Tensor, int, int, Tensor[], boolean)}; {@code ffnOut}, if non-null, receives the MLP
     * branch's output (B, H·W, C) before drop-path and the residual add (V2: before its post-norm).
     */
    Tensor forward(Tensor x, int height, int width, Tensor[] probsOut, Tensor[] ffnOut, boolean training) {
        BlockPlan plan = plan(height, width);
        long batch = x.size(0);
        Tensor y, ffn;
        if (resPostNorm) {
            Tensor mixed = plan.reverse(mixer.forward(plan.partition(x), plan, probsOut, training), batch);
            x = x.add(Ops.dropPath(norm1.forward(mixed), dropPath, training));
            ffn = mlp.forward(x, training);
            y = Ops.dropPath(norm2.forward(ffn), dropPath, training);
        } else {
            Tensor mixed = mixer.forward(plan.partition(norm1.forward(x)), plan, probsOut, training);
            x = x.add(Ops.dropPath(plan.reverse(mixed, batch), dropPath, training));
            ffn = mlp.forward(norm2.forward(x), training);
            y = Ops.dropPath(ffn, dropPath, training);
        }
        if (ffnOut != null) ffnOut[0] = ffn;
        if (training) return x.add(y);
        // In eval, x is this block's own fresh sum: add the MLP branch in place.
        x.add_(y);
        return x;
    }

    /** Pad, shift and window partition in one gather: (B, H·W, C) → (B·nW, N, C). */
    Tensor partition(Tensor normed, int height, int width) {
        return plan(height, width).partition(normed);
    }

    /** The inverse of {@link #partition}: window merge, reverse shift and crop in one gather. */
    Tensor reverse(Tensor windows, int height, int width, long batch) {
        return plan(height, width).reverse(windows, batch);
    }

    /** The mixer of this block on partitioned windows (with its cached bias in eval). */
    Tensor mix(Tensor windows, int height, int width, boolean training) {
        return mixer.forward(windows, plan(height, width), null, training);
    }

    /** The MLP branch alone (no norm, no residual). */
    Tensor mlp(Tensor normed, boolean training) {
        return mlp.forward(normed, training);
    }

    /** norm1, mixer, norm2, MLP over an H×W map, as the official {@code SwinTransformerBlock.flops}. */
    double macs(int height, int width) {
        double tokens = (double) height * width;
        return 2 * tokens * dim + mixer.macs(windows(height, width))
                + mlp.macs(tokens);
    }

    @Override
    protected void releaseCaches() {
        plans.values().forEach(BlockPlan::close);
        plans.clear();
    }
}
