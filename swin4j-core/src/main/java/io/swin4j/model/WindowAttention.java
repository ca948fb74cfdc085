package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.geometry.WindowGeometry;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Multi-head self-attention inside windows with a learnable relative position bias (W-MSA / SW-MSA). */
final class WindowAttention {

    private final int dim, heads, tableWindow;
    private final double scale, attnDrop, projDrop;
    private final Tensor qkvWeight, qkvBias, projWeight, projBias, biasTable;
    /** Relative position index per effective window side, into this block's table. */
    private final Map<Integer, Tensor> indexCache = new ConcurrentHashMap<>();

    WindowAttention(String prefix, int dim, int heads, int tableWindow, SwinConfig config, Parameters params) {
        this.dim = dim;
        this.heads = heads;
        this.tableWindow = tableWindow;
        this.scale = Math.pow((double) dim / heads, -0.5);
        this.attnDrop = config.attnDropRate();
        this.projDrop = config.dropRate();
        int side = 2 * tableWindow - 1;
        biasTable = params.register(prefix + "relative_position_bias_table", (long) side * side, heads);
        qkvWeight = params.register(prefix + "qkv.weight", 3L * dim, dim);
        qkvBias = config.qkvBias() ? params.register(prefix + "qkv.bias", 3L * dim) : null;
        projWeight = params.register(prefix + "proj.weight", dim, dim);
        projBias = params.register(prefix + "proj.bias", dim);
    }

    /** The (heads, N, N) relative position bias of a window of side {@code window}. */
    private Tensor relativeBias(int window) {
        Tensor index = indexCache.computeIfAbsent(window, w -> Tensors.keep(Tensors.fromInts(
                WindowGeometry.relativePositionIndex(w, w, tableWindow, tableWindow), (long) w * w * w * w)));
        long n = (long) window * window;
        return biasTable.index_select(0, index).view(n, n, heads).permute(2, 0, 1);
    }

    /**
     * What is added to the attention logits: the relative position bias plus the SW-MSA mask, as
     * (nW, heads, N, N), or (1, heads, N, N) without a mask. Depends only on the table and the plan, so eval
     * callers compute it once per plan (see {@link #tableState()}).
     */
    Tensor additiveBias(int window, Tensor mask) {
        Tensor bias = relativeBias(window).unsqueeze(0);
        // contiguous: an elementwise result follows its inputs' (permuted) layout otherwise.
        return (mask == null ? bias : bias.add(mask.unsqueeze(1).to(bias.scalar_type()))).contiguous();
    }

    /** Identifies the bias table's current values: changes with every write (an optimizer step) and cast. */
    TableState tableState() {
        return new TableState(biasTable.__dispatch__version(), biasTable.scalar_type().intern());
    }

    record TableState(long version, torch.ScalarType dtype) {}

    /**
     * @param windows  (B·nW, N, C) tokens grouped by window
     * @param bias     {@link #additiveBias} of the plan: (nW or 1, heads, N, N)
     * @param probsOut if non-null, receives the attention probabilities (B·nW, heads, N, N)
     */
    Tensor forward(Tensor windows, Tensor bias, Tensor[] probsOut, boolean training) {
        long b = windows.size(0), n = windows.size(1);
        long headDim = dim / heads;
        Tensor qkv = Ops.linear(windows, qkvWeight, qkvBias).reshape(b, n, 3, heads, headDim).permute(2, 0, 3, 1, 4);
        long groups = bias.size(0);
        Tensor out;
        if (!training && probsOut == null) {
            // Eval: libtorch's fused attention (never materialises the N×N probabilities; same speed here, less
            // memory). The windows of one image go side by side as heads, (B, nW·heads, N, d), so that the
            // (nW, heads, N, N) bias broadcasts over images as a (1, nW·heads, N, N) mask.
            long images = b / groups;
            Tensor q = qkv.get(0).reshape(images, groups * heads, n, headDim);
            Tensor k = qkv.get(1).reshape(images, groups * heads, n, headDim);
            Tensor v = qkv.get(2).reshape(images, groups * heads, n, headDim);
            Tensor mask = bias.view(1, groups * heads, n, n);
            out = torch.scaled_dot_product_attention(q, k, v, new TensorOptional(mask), 0.0, false,
                    new DoubleOptional(scale), false).reshape(b, heads, n, headDim).transpose(1, 2).reshape(b, n, dim);
        } else {
            Tensor q = qkv.get(0).mul(new Scalar(scale));
            Tensor k = qkv.get(1);
            Tensor v = qkv.get(2);
            Tensor attn = q.matmul(k.transpose(-2, -1));
            // In eval the logits are a fresh buffer nobody else holds: add in place.
            Tensor grouped = attn.view(b / groups, groups, heads, n, n);
            attn = (training ? grouped.add(bias) : grouped.add_(bias)).view(b, heads, n, n);
            attn = attn.softmax(-1);
            if (probsOut != null) probsOut[0] = attn;
            attn = Ops.dropout(attn, attnDrop, training);
            out = attn.matmul(v).transpose(1, 2).reshape(b, n, dim);
        }
        out = Ops.linear(out, projWeight, projBias);
        return Ops.dropout(out, projDrop, training);
    }

    void close() {
        indexCache.values().forEach(Tensor::close);
        indexCache.clear();
    }
}
