package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

/** {@code nn.LayerNorm} over the last dimension (eps 1e-5); weight 1, bias 0 unless the family says otherwise. */
final class LayerNorm extends Module {

    final Param weight, bias;

    LayerNorm(long dim) {
        this(dim, Init.ONES);
    }

    /** @param weightInit V2's res-post-norms start at weight 0 ({@code _init_respostnorm}) */
    LayerNorm(long dim, Init weightInit) {
        weight = param("weight", weightInit, new long[] {dim});
        bias = param("bias", Init.ZEROS, new long[] {dim});
    }

    Tensor forward(Tensor x) {
        return Ops.layerNorm(x, weight.tensor(), bias.tensor());
    }
}
