package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.geometry.WindowGeometry;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

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
     * @param windows (B·nW, N, C) tokens grouped by window
     * @param mask    (nW, N, N) additive SW-MSA mask, or null
     * @param probsOut if non-null, receives the attention probabilities (B·nW, heads, N, N)
     */
    Tensor forward(Tensor windows, int window, Tensor mask, Tensor[] probsOut, boolean training) {
        long b = windows.size(0), n = windows.size(1);
        long headDim = dim / heads;
        Tensor qkv = Ops.linear(windows, qkvWeight, qkvBias).reshape(b, n, 3, heads, headDim).permute(2, 0, 3, 1, 4);
        Tensor q = qkv.get(0).mul(new Scalar(scale));
        Tensor k = qkv.get(1);
        Tensor v = qkv.get(2);
        Tensor attn = q.matmul(k.transpose(-2, -1));
        attn = attn.add(relativeBias(window).unsqueeze(0));
        if (mask != null) {
            long nw = mask.size(0);
            attn = attn.view(b / nw, nw, heads, n, n).add(mask.unsqueeze(1).unsqueeze(0)).view(-1, heads, n, n);
        }
        attn = attn.softmax(-1);
        if (probsOut != null) probsOut[0] = attn;
        attn = Ops.dropout(attn, attnDrop, training);
        Tensor out = attn.matmul(v).transpose(1, 2).reshape(b, n, dim);
        out = Ops.linear(out, projWeight, projBias);
        return Ops.dropout(out, projDrop, training);
    }

    void close() {
        indexCache.values().forEach(Tensor::close);
        indexCache.clear();
    }
}
