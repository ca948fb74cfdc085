package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The gate of gated attention, conditional per token (the authors' {@code conditional_per_token}, the paper's
 * default): for each head h and token t, sigmoid(x_{t,h}·w_h + b_h), x_{t,h} the head's slice of the token's attention
 * input (before qkv). A Linear(d_head → 1) per head, stored as {@code weight} (heads, d_head) and {@code bias} (heads);
 * both excluded from weight decay. Weight init as a fresh PyTorch Linear (U(±1/sqrt(d_head))), bias logit(π_init).
 */
final class AttentionGate extends Module {

    final int heads, headDim;
    final Param weight, bias;

    AttentionGate(int heads, int headDim, double gateInit) {
        this.heads = heads;
        this.headDim = headDim;
        weight = param("weight", Init.defaultForFanIn(headDim), new long[] {heads, headDim}, Param.Tag.NO_DECAY);
        bias = param("bias", Init.constant(logit(gateInit)), new long[] {heads}, Param.Tag.NO_DECAY);
    }

    static double logit(double p) { return Math.log(p / (1 - p)); }

    /** The gates (B·nW, heads, N, 1) of windows (B·nW, N, C): one per head and token. */
    Tensor forward(Tensor windows) {
        long b = windows.size(0), n = windows.size(1);
        Tensor perHead = windows.view(b, n, heads, headDim).permute(0, 2, 1, 3); // (B·nW, heads, N, d)
        Tensor logits = perHead.matmul(weight.tensor().view(heads, headDim, 1)).add(bias.tensor().view(heads, 1, 1));
        return torch.sigmoid(logits);
    }
}
