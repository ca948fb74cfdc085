package io.swin4j.model;

import io.swin4j.geometry.WindowGeometry;
import io.swin4j.geometry.WindowPlan;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head self-attention inside windows with a learnable relative position bias table (V1's W-MSA / SW-MSA).
 * Its additive bias (table lookup + shift mask) depends only on the table and the plan: training recomputes it
 * (autograd needs the graph); eval computes it once per plan and reuses it until the table changes.
 */
class WindowAttention extends TokenMixer {

    static final TokenMixer.Factory FACTORY = (c, stage, dim, heads, window, pretrained) ->
            new WindowAttention(dim, heads, window, c);

    final int dim, heads;
    private final double scale, attnDrop;
    final double projDrop;
    private final Param table;
    final Linear qkv, proj;
    private final RelativePositionBias bias;
    private final AttentionVariant variant;
    /** Gated attention's per-head gate (null otherwise). */
    final AttentionGate gate;

    WindowAttention(int dim, int heads, int tableWindow, SwinConfig config) {
        this.dim = dim;
        this.heads = heads;
        this.scale = Math.pow((double) dim / heads, -0.5);
        this.attnDrop = config.attnDropRate();
        this.projDrop = config.dropRate();
        int side = 2 * tableWindow - 1;
        table = param("relative_position_bias_table", Init.TRUNC_NORMAL, new long[] {(long) side * side, heads},
                Param.Tag.NO_DECAY, Param.Tag.POSITION);
        qkv = child("qkv", new Linear(dim, 3L * dim, config.qkvBias()));
        proj = child("proj", new Linear(dim, dim, true));
        variant = config.attention();
        gate = gate(this, config, heads, dim);
        // The table's rows are the offsets of the configured window; a smaller runtime window indexes a subset.
        bias = new RelativePositionBias(heads, w -> table.tensor(),
                w -> WindowGeometry.relativePositionIndex(w, w, tableWindow, tableWindow), table);
    }

    @Override
    Tensor forward(Tensor windows, BlockPlan plan, Tensor[] probsOut, boolean training) {
        long b = windows.size(0), n = windows.size(1);
        Tensor qkvOut = qkv.forward(windows).reshape(b, n, 3, heads, dim / heads).permute(2, 0, 3, 1, 4);
        return proj(attend(qkvOut.get(0), qkvOut.get(1), qkvOut.get(2), bias.get(plan, training), scale, attnDrop,
                probsOut, training, variant, gate == null ? null : gate.forward(windows)), training);
    }

    @Override
    RelativePositionBias positionBias() {
        return bias;
    }

    /** The gate child "gate" of a gated config, registered on {@code mixer}; null otherwise. */
    static AttentionGate gate(TokenMixer mixer, SwinConfig config, int heads, int dim) {
        AttentionVariant v = config.attention();
        return v.hasGate() ? mixer.child("gate", new AttentionGate(heads, dim / heads, v.gateInit())) : null;
    }

    /**
     * softmax(q·kᵀ·scale + bias)·v over (B·nW, heads, N, d), returned as (B·nW, N, C); the softmax clipped and the
     * heads gated as {@code variant} says.
     *
     * @param bias  (nW or 1, heads, N, N)
     * @param scale multiplies q before the product (1 where q and k already carry their scale)
     * @param gate  gated attention: (B·nW, heads, N, 1) multiplying each head's output, token by token, before the heads
     *              merge; else null
     */
    static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor bias, double scale, double attnDrop, Tensor[] probsOut,
                         boolean training, AttentionVariant variant, Tensor gate) {
        long b = q.size(0), heads = q.size(1), n = q.size(2), headDim = q.size(3), dim = heads * headDim;
        long groups = bias.size(0);
        if (!training && probsOut == null && !variant.clips()) {
            // Eval: libtorch's fused attention (never materialises the N×N probabilities; same speed here, less
            // memory). The windows of one image go side by side as heads, (B, nW·heads, N, d), so that the
            // (nW, heads, N, N) bias broadcasts over images as a (1, nW·heads, N, N) mask.
            long images = b / groups;
            Tensor mask = bias.view(1, groups * heads, n, n);
            Tensor out = torch.scaled_dot_product_attention(q.reshape(images, groups * heads, n, headDim),
                    k.reshape(images, groups * heads, n, headDim), v.reshape(images, groups * heads, n, headDim),
                    new TensorOptional(mask), 0.0, false, new DoubleOptional(scale), false)
                    .reshape(b, heads, n, headDim);
            return mergeHeads(gate == null ? out : out.mul(gate), b, n, dim);
        }
        Tensor attn = (scale == 1 ? q : q.mul(new Scalar(scale))).matmul(k.transpose(-2, -1));
        // In eval the logits are a fresh buffer nobody else holds: add in place.
        Tensor grouped = attn.view(b / groups, groups, heads, n, n);
        attn = (training ? grouped.add(bias) : grouped.add_(bias)).view(b, heads, n, n);
        attn = attn.softmax(-1);
        if (variant.clips()) attn = clip(attn, variant.gamma(n), variant.zeta());
        if (probsOut != null) probsOut[0] = attn;
        attn = Ops.dropout(attn, attnDrop, training);
        Tensor out = attn.matmul(v);
        return mergeHeads(gate == null ? out : out.mul(gate), b, n, dim);
    }

    /** clip((ζ − γ)·p + γ, 0, 1): the clipped softmax of probabilities p. */
    static Tensor clip(Tensor p, double gamma, double zeta) {
        return p.mul(new Scalar(zeta - gamma)).add(new Scalar(gamma)).clamp(new ScalarOptional(new Scalar(0.0)),
                new ScalarOptional(new Scalar(1.0)));
    }

    /** (B·nW, heads, N, d) → (B·nW, N, C). */
    private static Tensor mergeHeads(Tensor heads, long b, long n, long dim) {
        return heads.transpose(1, 2).reshape(b, n, dim);
    }

    Tensor proj(Tensor attended, boolean training) {
        return Ops.dropout(proj.forward(attended), projDrop, training);
    }

    @Override
    double macs(WindowPlan plan) {
        return macs(plan, dim, heads);
    }

    /** One window of n tokens: qkv, q·kᵀ, attn·v, proj (the official {@code WindowAttention.flops}, V1 and V2). */
    static double macs(WindowPlan plan, int dim, int heads) {
        int n = plan.windowTokens(), headDim = dim / heads;
        double one = (double) n * dim * 3 * dim + 2.0 * heads * n * headDim * n + (double) n * dim * dim;
        return plan.numWindows() * one;
    }

    @Override
    protected void releaseCaches() {
        bias.release();
    }
}
