package io.swin4j.model;

import io.swin4j.geometry.WindowPlan;
import io.swin4j.geometry.ZeroPaddedWindows;
import org.bytedeco.pytorch.Tensor;

/**
 * Swin-MLP's token mixer (the official {@code SwinMLPBlock.spatial_mlp}): per head, one linear map over the M²
 * token positions of a window, shared by the head's C/heads channels. Officially an
 * {@code nn.Conv1d(heads·M², heads·M², kernel_size=1, groups=heads)} over windows laid out as (B·nW, heads·M², C/heads);
 * here the same product as one batched matmul of the (heads, M², M²) weight with the (B·nW, heads, M², C/heads)
 * tokens. No attention, no position table: positions are the weight's rows and columns.
 */
final class WindowSpatialMlp extends TokenMixer {

    static final TokenMixer.Factory FACTORY = (c, stage, dim, heads, window, pretrained) ->
            new WindowSpatialMlp(dim, heads, window);

    final int dim, heads, window;
    /** (heads·M², M², 1): the Conv1d kernel, output channel h·M²+i reads input tokens j of group h. */
    final Param weight;
    /** (heads·M²). */
    final Param bias;

    /**
     * @param window the block's window M: the map's windows must be M×M (the weight is per token position)
     */
    WindowSpatialMlp(int dim, int heads, int window) {
        if (dim % heads != 0) throw new IllegalArgumentException("dim " + dim + " is not divisible by " + heads + " heads");
        this.dim = dim;
        this.heads = heads;
        this.window = window;
        long n = (long) window * window;
        // The official _init_weights covers nn.Conv1d: trunc_normal_(std=.02) weight, zero bias (it overrides
        // PyTorch's default U(±1/sqrt(fan_in)), fan_in = (heads·M²/groups)·kernel = M²).
        weight = param("weight", Init.TRUNC_NORMAL, new long[] {heads * n, n, 1});
        bias = param("bias", Init.ZEROS, new long[] {heads * n});
    }

    @Override
    Tensor forward(Tensor windows, BlockPlan plan, Tensor[] probsOut, boolean training) {
        if (probsOut != null) throw new IllegalArgumentException("a spatial MLP block has no attention probabilities");
        long b = windows.size(0), n = windows.size(1), c = windows.size(2);
        if (n != (long) window * window || c != dim) {
            throw new IllegalArgumentException("spatial MLP of window " + window + ", dim " + dim + " got windows of "
                    + n + " tokens, " + c + " channels");
        }
        // (B·nW, N, C) → (B·nW, heads, N, C/heads): the official view + transpose(1, 2).
        Tensor perHead = windows.reshape(b, n, heads, c / heads).transpose(1, 2);
        // Conv1d with kernel 1 and groups = heads: out[h, i, :] = Σ_j W[h·N+i, j]·x[h, j, :] + bias[h·N+i].
        Tensor mixed = weight.tensor().view(heads, n, n).matmul(perHead).add(bias.tensor().view(heads, n, 1));
        return mixed.transpose(1, 2).reshape(b, n, c);
    }

    @Override
    boolean hasAttention() { return false; }

    /**
     * The official {@code SwinMLPBlock.flops()} term: nW·C·N·N, with nW = (H/M+1)·(W/M+1) for a shifted block (the
     * zero-padded map) and H·W/M² otherwise; maps padded to window multiples count their padded windows.
     */
    @Override
    double macs(WindowPlan plan) {
        double n = plan.windowTokens();
        return new ZeroPaddedWindows(plan).numWindows() * (double) dim * n * n;
    }
}
