package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** {@code nn.Conv2d} with stride 1 and symmetric zero padding: weight (out, in, k, k), optional bias. */
final class Conv2d extends Module {

    final Param weight, bias;
    private final int padding;

    Conv2d(long in, long out, int kernel, int padding, boolean withBias, Init weightInit, Init biasInit) {
        this.padding = padding;
        weight = param("weight", weightInit, new long[] {out, in, kernel, kernel});
        bias = withBias ? param("bias", biasInit, new long[] {out}) : null;
    }

    Tensor forward(Tensor x) {
        TensorOptional b = bias == null ? new TensorOptional() : new TensorOptional(bias.tensor());
        return torch.conv2d(x, weight.tensor(), b, new long[] {1, 1}, new long[] {padding, padding},
                new long[] {1, 1}, 1);
    }

    long out() { return weight.shape()[0]; }
}
