package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

/**
 * {@code nn.Linear}: weight (out, in), optional bias; initialised as the references' {@code _init_weights}. Runs in
 * int8 once the model is quantized ({@link Quantizable}).
 */
final class Linear extends Quantizable {

    final Param weight, bias;

    Linear(long in, long out, boolean withBias, Param.Tag... tags) {
        weight = param("weight", Init.TRUNC_NORMAL, new long[] {out, in}, tags);
        bias = withBias ? param("bias", Init.ZEROS, new long[] {out}, tags) : null;
    }

    Tensor forward(Tensor x) {
        return product(x);
    }

    long in() { return weight.shape()[1]; }

    long out() { return weight.shape()[0]; }

    @Override Param weightParam() { return weight; }

    @Override Param biasParam() { return bias; }

    /** The classifier is quantized only on request. */
    @Override boolean optional() { return weight.is(Param.Tag.HEAD); }
}
