package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.geometry.RelativeCoordinates;
import io.swin4j.geometry.WindowGeometry;
import io.swin4j.geometry.WindowPlan;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Swin V2's window attention (the official {@code swin_transformer_v2.WindowAttention}): scaled cosine attention,
 * normalize(q)·normalize(k)ᵀ·exp(min(logit_scale, log 100)) per head, plus a continuous position bias
 * 16·sigmoid(cpb_mlp(log-spaced relative coordinates)) gathered by the relative position index, plus the shift mask.
 * qkv has no bias of its own: it is cat(q_bias, 0, v_bias), the key bias fixed at zero.
 *
 * <p>Parameters in the official state-dict order: logit_scale, q_bias, v_bias, cpb_mlp.0 (2→512 with bias),
 * cpb_mlp.2 (512→heads, no bias), qkv, proj. The coordinates and the gather index are cached per window side; the
 * bias is cached per plan in eval, keyed on the cpb_mlp parameters' versions and dtype ({@link RelativePositionBias}).
 */
final class CosineWindowAttention extends TokenMixer {

    static final TokenMixer.Factory FACTORY = (c, stage, dim, heads, window, pretrained) ->
            new CosineWindowAttention(dim, heads, window, pretrained, c);

    /** The hidden width of the continuous-position-bias MLP in every reference. */
    static final int CPB_HIDDEN = 512;
    /** logit_scale is clamped at log(1/0.01) before exp. */
    private static final double MAX_LOGIT_SCALE = Math.log(100);
    /** F.normalize's eps. */
    private static final double NORMALIZE_EPS = 1e-12;
    /** 16·sigmoid(·): the bias of each head lies in (0, 16). */
    private static final double BIAS_RANGE = 16;

    /** {@code nn.Sequential(Linear(2, 512), ReLU, Linear(512, heads, bias=False))}: children "0" and "2". */
    static final class CpbMlp extends Module {
        final Linear fc1, fc2;

        CpbMlp(int heads) {
            fc1 = child("0", new Linear(2, CPB_HIDDEN, true, Param.Tag.NO_DECAY, Param.Tag.POSITION));
            fc2 = child("2", new Linear(CPB_HIDDEN, heads, false, Param.Tag.NO_DECAY, Param.Tag.POSITION));
        }

        Tensor forward(Tensor coords) {
            return fc2.forward(torch.relu(fc1.forward(coords)));
        }
    }

    final int dim, heads, tableWindow, pretrainedWindow;
    private final double attnDrop, projDrop;
    private final Param logitScale, qBias, vBias;
    final CpbMlp cpbMlp;
    final Linear qkv, proj;
    /** The log-spaced coordinates ((2w−1)², 2) per runtime window side, float32. */
    private final Map<Integer, Tensor> coordsCache = new ConcurrentHashMap<>();
    private final RelativePositionBias bias;
    private final AttentionVariant variant;
    /** Gated attention's per-head gate (null otherwise). */
    final AttentionGate gate;

    /**
     * @param tableWindow      the block's configured window M (the coordinates are normalised for it)
     * @param pretrainedWindow the stage's pretrained window (0: none)
     */
    CosineWindowAttention(int dim, int heads, int tableWindow, int pretrainedWindow, SwinConfig config) {
        this.dim = dim;
        this.heads = heads;
        this.tableWindow = tableWindow;
        this.pretrainedWindow = pretrainedWindow;
        this.attnDrop = config.attnDropRate();
        this.projDrop = config.dropRate();
        // Own parameters first, then children: the order of the official state dict.
        logitScale = param("logit_scale", Init.constant(Math.log(10)), new long[] {heads, 1, 1}, Param.Tag.NO_DECAY);
        qBias = config.qkvBias() ? param("q_bias", Init.ZEROS, new long[] {dim}) : null;
        vBias = config.qkvBias() ? param("v_bias", Init.ZEROS, new long[] {dim}) : null;
        cpbMlp = child("cpb_mlp", new CpbMlp(heads));
        qkv = child("qkv", new Linear(dim, 3L * dim, false));
        proj = child("proj", new Linear(dim, dim, true));
        variant = config.attention();
        gate = WindowAttention.gate(this, config, heads, dim);
        bias = new RelativePositionBias(heads, this::biasTable, w -> WindowGeometry.relativePositionIndex(w, w),
                cpbMlp.fc1.weight, cpbMlp.fc1.bias, cpbMlp.fc2.weight);
    }

    /** 16·sigmoid(cpb_mlp(coordinates)) of a window of side w: ((2w−1)², heads). */
    private Tensor biasTable(int window) {
        Tensor coords = coordsCache.computeIfAbsent(window, w -> Tensors.keep(Tensors.fromFloats(
                RelativeCoordinates.logSpacedTable(w, tableWindow, pretrainedWindow), (long) (2 * w - 1) * (2 * w - 1), 2)));
        Tensor weight = cpbMlp.fc1.weight.tensor();
        Tensor in = coords.scalar_type().intern() == weight.scalar_type().intern() ? coords : coords.to(weight.scalar_type());
        return torch.sigmoid(cpbMlp.forward(in)).mul(new Scalar(BIAS_RANGE));
    }

    /** cat(q_bias, 0, v_bias), or null without a qkv bias. */
    private Tensor qkvBias() {
        if (qBias == null) return null;
        Tensor v = vBias.tensor();
        return torch.cat(new TensorVector(qBias.tensor(), torch.zeros_like(v), v), 0);
    }

    /** F.normalize(x, dim=-1): x / max(‖x‖₂, 1e-12). */
    private static Tensor normalize(Tensor x) {
        return x.div(torch.norm(x, new ScalarOptional(new Scalar(2.0)), new long[] {-1}, true)
                .clamp_min(new Scalar(NORMALIZE_EPS)));
    }

    @Override
    Tensor forward(Tensor windows, BlockPlan plan, Tensor[] probsOut, boolean training) {
        long b = windows.size(0), n = windows.size(1);
        Tensor bias3 = qkvBias();
        Tensor qkvOut;
        if (qkv.asProduct()) {
            // int8 (or calibrating): qkv has no bias of its own, V2's (q_bias, 0, v_bias) is added after the product
            qkvOut = qkv.forward(windows);
            if (bias3 != null) qkvOut = qkvOut.add(bias3);
        } else {
            qkvOut = Ops.linear(windows, qkv.weight.tensor(), bias3);
        }
        qkvOut = qkvOut.reshape(b, n, 3, heads, dim / heads).permute(2, 0, 3, 1, 4);
        // The per-head logit scale goes onto q, so that the product is the scaled logits (scale 1 in attend).
        Tensor scale = logitScale();
        Tensor q = normalize(qkvOut.get(0)).mul(scale);
        Tensor k = normalize(qkvOut.get(1));
        Tensor attended = WindowAttention.attend(q, k, qkvOut.get(2), bias.get(plan, training), 1.0, attnDrop,
                probsOut, training, variant, gate == null ? null : gate.forward(windows));
        return Ops.dropout(proj.forward(attended), projDrop, training);
    }

    @Override
    RelativePositionBias positionBias() {
        return bias;
    }

    /** exp(min(logit_scale, log 100)) per head, (heads, 1, 1): what q is multiplied by after its normalisation. */
    Tensor logitScale() {
        return logitScale.tensor().clamp_max(new Scalar(MAX_LOGIT_SCALE)).exp();
    }

    /** The official V2 count, as V1's: qkv, q·kᵀ, attn·v, proj (no cpb_mlp, normalisation or sigmoid). */
    @Override
    double macs(WindowPlan plan) {
        return WindowAttention.macs(plan, dim, heads);
    }

    @Override
    protected void releaseCaches() {
        bias.release();
        coordsCache.values().forEach(Tensor::close);
        coordsCache.clear();
    }
}
