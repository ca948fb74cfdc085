package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The "conditional per head" gate of gated attention: for each head h, sigmoid(mean over the window's tokens of
 * x_h·w_h + b_h), x_h the head's slice of the attention input (before qkv). A Linear(d_head → 1) per head, stored as
 * {@code weight} (heads, d_head) and {@code bias} (heads); both excluded from weight decay. Weight init as a fresh
 * PyTorch Linear (U(±1/sqrt(d_head))), bias logit(π_init). The mean of a linear map is the map of the mean, so the
 * tokens are averaged first.
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

    /** The gates (B·nW, heads, 1, 1) of windows (B·nW, N, C). */
    Tensor forward(Tensor windows) {
        long b = windows.size(0);
        Tensor mean = torch.mean(windows, 1L).view(b, heads, 1, headDim);
        Tensor logits = mean.matmul(weight.tensor().view(heads, headDim, 1)).add(bias.tensor().view(heads, 1, 1));
        return torch.sigmoid(logits);
    }
}
