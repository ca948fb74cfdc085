package io.swin4j.model;

import io.swin4j.quant.QParams;
import org.bytedeco.pytorch.Tensor;

import java.util.function.Consumer;

/**
 * A layer that can run in int8: a matrix product whose weight is a {@link Param} (a Linear, or the patch embedding's
 * strided convolution seen as a product over flattened patches). Holds its int8 form while the model is quantized and
 * an observer of its inputs while it is calibrated.
 */
abstract class Quantizable extends Module {

    private volatile Int8Linear int8;
    private volatile Consumer<Tensor> observer;
    private volatile java.util.function.LongConsumer timer;

    /** The weight parameter (out, …): its first dimension is the output channels. */
    abstract Param weightParam();

    /** The bias parameter, or null. */
    abstract Param biasParam();

    /** Whether this layer is quantized only on request (the head, the patch embedding). */
    abstract boolean optional();

    /** Whether int8 applies at all (not to position encodings such as V2's continuous position bias MLP). */
    boolean quantizable() { return !weightParam().is(Param.Tag.POSITION); }

    /** Whether the product runs as a matrix product over flattened inputs (int8, or observed for calibration). */
    final boolean asProduct() { return int8 != null || observer != null; }

    final Int8Linear int8() { return int8; }

    /** The product of {@code x} (…, in) with the weight, in int8 when quantized; observed when calibrating. */
    final Tensor product(Tensor x) {
        Consumer<Tensor> o = observer;
        if (o != null) o.accept(x);
        java.util.function.LongConsumer t = timer;
        if (t == null) return compute(x);
        long start = System.nanoTime();
        Tensor y = compute(x);
        t.accept(System.nanoTime() - start);
        return y;
    }

    private Tensor compute(Tensor x) {
        Int8Linear q = int8;
        if (q != null) return q.forward(x);
        Tensor w = weight2d(), b = biasParam() == null ? null : biasParam().tensor();
        if (OneDnnProducts.applies(x, w)) return OneDnnProducts.linear(x, w, b);
        return Ops.linear(x, w, b);
    }

    /** The weight as (out, in·…): a convolution's (out, in, kh, kw) flattened as its product over patches reads it. */
    private Tensor weight2d() {
        Tensor w = weightParam().tensor();
        return w.dim() == 2 ? w : w.reshape(w.size(0), -1);
    }

    /** Packs the weight in int8 (see {@link Int8Linear#pack}); the fp32 weight is left to the caller. */
    final void quantize(float[] scales, QParams input) {
        Int8Linear q = Int8Linear.pack(weight2d(), biasParam() == null ? null : biasParam().tensor(), scales, input);
        Int8Linear old = int8;
        int8 = q;
        if (old != null) old.close();
    }

    /** Drops the int8 form. */
    final void dequantize() {
        Int8Linear old = int8;
        int8 = null;
        if (old != null) old.close();
    }

    final void observe(Consumer<Tensor> o) { observer = o; }

    final void time(java.util.function.LongConsumer t) { timer = t; }

    @Override
    protected void releaseCaches() {
        dequantize();
    }
}
