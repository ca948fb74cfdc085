package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.quant.QParams;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * One linear layer in int8 on FBGEMM: weights int8, symmetric, per output channel, packed once; activations uint8,
 * asymmetric, per tensor, either measured on each call ({@code quantized::linear_dynamic}) or fixed by calibration
 * ({@code quantized::linear_with_input_q_dq_qweight_dq_output_fp32}). Both take and return fp32; the bias stays fp32
 * inside the packed weights. Immutable once built; safe for concurrent calls.
 */
final class Int8Linear implements AutoCloseable {

    private static volatile OperatorHandle prepack, dynamic, fixed, unpack;

    private final IValue packed;
    private final float[] weightScales;
    private final QParams input;
    private final long out, in;

    private Int8Linear(IValue packed, float[] weightScales, QParams input, long out, long in) {
        this.packed = packed;
        this.weightScales = weightScales;
        this.input = input;
        this.out = out;
        this.in = in;
    }

    /**
     * Quantizes and packs {@code weight} (out, in) with its optional fp32 {@code bias}.
     *
     * @param scales the per-channel weight scales to use (a saved int8 model), or null to compute them as PyTorch's
     *               per-channel symmetric observer does ({@link QParams#symmetricWeightScale})
     * @param input  the calibrated activation parameters, or null for dynamic quantization
     */
    static Int8Linear pack(Tensor weight, Tensor bias, float[] scales, QParams input) {
        ensureEngine();
        long out = weight.size(0), in = weight.size(1);
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Tensor w = weight.to(torch.ScalarType.Float).contiguous();
            Tensor s;
            if (scales == null) {
                s = w.abs().amax(new long[] {1}, false).div(new Scalar(127.5))
                        .clamp_min(new Scalar((double) QParams.EPS));
                scales = Tensors.toFloats(s);
            } else {
                if (scales.length != out) {
                    throw new IllegalArgumentException(scales.length + " weight scales for " + out + " output channels");
                }
                s = Tensors.fromFloats(scales, out);
            }
            Tensor zeros = torch.zeros(new long[] {out}, new TensorOptions(torch.ScalarType.Long));
            Tensor q = torch.quantize_per_channel(w, s.to(torch.ScalarType.Double), zeros, 0, torch.ScalarType.QInt8);
            IValueVector stack = new IValueVector();
            stack.push_back(new IValue(q));
            stack.push_back(bias == null ? new IValue() : new IValue(bias.to(torch.ScalarType.Float).contiguous()));
            prepack.callBoxed(stack);
            IValue packed = Tensors.keep(new IValue(stack.get(0)));
            return new Int8Linear(packed, scales.clone(), input, out, in);
        }
    }

    /** x (…, in) fp32 → (…, out) fp32. */
    Tensor forward(Tensor x) {
        if (x.size(-1) != in) {
            throw new IllegalArgumentException("int8 linear expects " + in + " input features, got " + x.size(-1));
        }
        IValueVector stack = new IValueVector();
        stack.push_back(new IValue(x.scalar_type().intern() == torch.ScalarType.Float ? x : x.to(torch.ScalarType.Float)));
        if (input == null) {
            stack.push_back(packed);
            stack.push_back(new IValue(true)); // reduce_range: 7-bit activations (see QParams)
            dynamic.callBoxed(stack);
        } else {
            stack.push_back(new IValue((double) input.scale()));
            stack.push_back(new IValue((long) input.zeroPoint()));
            stack.push_back(packed);
            fixed.callBoxed(stack);
        }
        // toTensor() is a reference into the stack: copy the handle so the result outlives the stack
        return new Tensor(stack.get(0).toTensor());
    }

    /** The activation parameters, or null when dynamic. */
    QParams input() { return input; }

    float[] weightScales() { return weightScales.clone(); }

    /** The int8 weights (out, in) as stored in the packed form. */
    Tensor int8Weight() {
        return unpacked().int_repr();
    }

    /** The weights the kernel multiplies by, in fp32: int8 · scale per channel. */
    Tensor dequantizedWeight() {
        return unpacked().dequantize();
    }

    private Tensor unpacked() {
        IValueVector stack = new IValueVector();
        stack.push_back(packed);
        unpack.callBoxed(stack);
        return new Tensor(stack.get(0).toTensor());
    }

    /** Bytes of the int8 weights and their scales (the packed form holds the same plus FBGEMM's column offsets). */
    long weightBytes() { return out * in + out * 4L + out * 4L; }

    @Override
    public void close() {
        packed.close();
    }

    private static void ensureEngine() {
        if (unpack != null) return;
        synchronized (Int8Linear.class) {
            if (unpack != null) return;
            io.swin4j.engine.NativeTorch.ensureLoaded();
            torch.globalContext().setQEngine(torch.QEngine.FBGEMM);
            Dispatcher d = Dispatcher.singleton();
            // Kept for the life of the process (never freed by a caller's PointerScope).
            prepack = Tensors.keep(d.findSchemaOrThrow("quantized::linear_prepack", ""));
            dynamic = Tensors.keep(d.findSchemaOrThrow("quantized::linear_dynamic", ""));
            fixed = Tensors.keep(d.findSchemaOrThrow("quantized::linear_with_input_q_dq_qweight_dq_output_fp32", ""));
            unpack = Tensors.keep(d.findSchemaOrThrow("quantized::linear_unpack", ""));
        }
    }
}
