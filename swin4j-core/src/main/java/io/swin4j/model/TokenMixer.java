package io.swin4j.model;

import io.swin4j.geometry.WindowPlan;
import org.bytedeco.pytorch.Tensor;

/**
 * The part of a block that mixes the tokens of each window: window attention (V1), cosine attention with a
 * continuous position bias (V2), a spatial MLP (Swin-MLP). A mixer owns its own caches (biases per plan) and knows
 * what invalidates them.
 */
abstract class TokenMixer extends Module {

    /**
     * @param windows  (B·nW, N, C) tokens grouped by window
     * @param plan     the block's windows at this size (its mask, if any, is added to attention logits)
     * @param probsOut if non-null, receives the attention probabilities (B·nW, heads, N, N)
     */
    abstract Tensor forward(Tensor windows, BlockPlan plan, Tensor[] probsOut, boolean training);

    /** Whether {@link #forward} can return attention probabilities (Swin-MLP has none). */
    boolean hasAttention() { return true; }

    /** The mixer's relative position bias (window attention of V1 and V2), or null. */
    RelativePositionBias positionBias() { return null; }

    /** The additive attention bias of {@code plan} in eval, (nW or 1, heads, N, N); null for a mixer without one. */
    final Tensor additiveBias(BlockPlan plan) {
        RelativePositionBias b = positionBias();
        return b == null ? null : b.get(plan, false);
    }

    /** The relative position bias of a window of side {@code window} alone, (heads, N, N); null without one. */
    final Tensor relativeBias(int window) {
        RelativePositionBias b = positionBias();
        return b == null ? null : b.relative(window);
    }

    /** Multiply-accumulates of one image's windows under {@code plan}, as the family's official {@code flops()}. */
    abstract double macs(WindowPlan plan);

    /** Builds the mixer of one block. */
    @FunctionalInterface
    interface Factory {
        /**
         * @param window the block's configured window (tables are built for it)
         * @param pretrainedWindow V2's pretrained window of this stage (0: none)
         */
        TokenMixer create(SwinConfig config, int stage, int dim, int heads, int window, int pretrainedWindow);
    }
}
