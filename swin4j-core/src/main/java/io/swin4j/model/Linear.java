package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

/** {@code nn.Linear}: weight (out, in), optional bias; initialised as the references' {@code _init_weights}. */
final class Linear extends Module {

    final Param weight, bias;

    Linear(long in, long out, boolean withBias, Param.Tag... tags) {
        weight = param("weight", Init.TRUNC_NORMAL, new long[] {out, in}, tags);
        bias = withBias ? param("bias", Init.ZEROS, new long[] {out}, tags) : null;
    }

    Tensor forward(Tensor x) {
        return Ops.linear(x, weight.tensor(), bias == null ? null : bias.tensor());
    }

    long in() { return weight.shape()[1]; }

    long out() { return weight.shape()[0]; }
}
