package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** The few functional building blocks the modules share, with the reference semantics. */
final class Ops {

    private Ops() {}

    static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return bias == null ? torch.linear(x, weight) : torch.linear(x, weight, new TensorOptional(bias));
    }

    /** LayerNorm over the last dimension, eps 1e-5 as every reference. */
    static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias) {
        return torch.layer_norm(x, new long[] {weight.size(0)}, new TensorOptional(weight), new TensorOptional(bias),
                SwinConfig.LAYER_NORM_EPS, false);
    }

    /** Exact (erf) GELU, not the tanh approximation. */
    static Tensor gelu(Tensor x) {
        return torch.gelu(x);
    }

    /** mmseg's {@code resize}: {@code F.interpolate(x, size=(h, w), mode='bilinear', align_corners=...)}. */
    static Tensor resize(Tensor x, long h, long w, boolean alignCorners) {
        return torch.upsample_bilinear2d(x, new long[] {h, w}, alignCorners);
    }

    static Tensor dropout(Tensor x, double p, boolean training) {
        return training && p > 0 ? torch.dropout(x, p, true) : x;
    }

    /**
     * Stochastic depth: in training, zero whole samples of a residual branch with probability p and
     * scale the rest by 1/(1−p), as timm's drop_path.
     */
    static Tensor dropPath(Tensor x, double p, boolean training) {
        if (!training || p <= 0) return x;
        long[] shape = new long[(int) x.dim()];
        shape[0] = x.size(0);
        for (int i = 1; i < shape.length; i++) shape[i] = 1;
        double keep = 1 - p;
        Tensor mask = torch.bernoulli(torch.full(shape, new org.bytedeco.pytorch.Scalar(keep),
                new org.bytedeco.pytorch.TensorOptions(x.scalar_type())), keep);
        return x.mul(mask).div(new org.bytedeco.pytorch.Scalar(keep));
    }
}
