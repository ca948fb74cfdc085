package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code nn.Conv2d} with stride 1 and symmetric zero padding: weight (out, in, k, k), optional bias.
 *
 * <p>Training runs the native (im2col) convolution, {@code thnn_conv2d}, instead of oneDNN's: libtorch 2.10's oneDNN
 * convolution (the JavaCPP build, on the x86 CPUs this was measured on) returns wrong gradients with respect to the
 * input for a padded 3×3 convolution at batch ≥ 2 (all-ones input, 32→8 channels, 4×3 and 16×12 maps: the input
 * gradient sums to 27.36 and 672.06 where PyTorch and the native kernel give 16.74 and 547.09; batch 1 and 1×1
 * convolutions are right, and so are the weight gradients and the forward pass). Eval keeps oneDNN's (fast) forward.
 */
final class Conv2d extends Module {

    final Param weight, bias;
    private final int padding;

    Conv2d(long in, long out, int kernel, int padding, boolean withBias, Init weightInit, Init biasInit) {
        this.padding = padding;
        weight = param("weight", weightInit, new long[] {out, in, kernel, kernel});
        bias = withBias ? param("bias", biasInit, new long[] {out}) : null;
    }

    Tensor forward(Tensor x, boolean training) {
        TensorOptional b = bias == null ? new TensorOptional() : new TensorOptional(bias.tensor());
        long[] pad = {padding, padding};
        if (training) {
            long k = weight.shape()[2];
            return torch.thnn_conv2d(x, weight.tensor(), new long[] {k, k}, b, new long[] {1, 1}, pad);
        }
        return torch.conv2d(x, weight.tensor(), b, new long[] {1, 1}, pad, new long[] {1, 1}, 1);
    }

    long out() { return weight.shape()[0]; }
}
