package io.swin4j.model;

import io.swin4j.engine.Tensors;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;

/**
 * fp32 inference products through oneDNN ({@code mkldnn::_linear_pointwise}, the op PyTorch's inductor emits for CPU
 * linears) instead of {@code at::linear}'s BLAS ({@code sgemm_} of the presets' OpenBLAS): faster on Swin's
 * small-M products (batch 1, stages 3–4). Used only for fp32 tensors while no gradient is recorded (training keeps
 * {@code at::linear}). Weights are passed as stored: {@code mkldnn::_reorder_linear_weight}'s pre-packed weights give
 * wrong products in this libtorch when the output width is not a multiple of 64 (e.g. 96, 288), so they are not used.
 *
 * <p>Switch: system property {@code swin4j.products} or environment variable {@code SWIN4J_PRODUCTS}: {@code blas}
 * (the default: {@code at::linear}) or {@code onednn}. The property wins. Measured on an idle 2-core host (Swin-T 224,
 * alternated): OpenBLAS 17.2 / 24.3 img/s at batch 1 / 8, oneDNN 15.6 / 22.2; with the cores oversubscribed
 * OpenBLAS's own thread pool collapses (10–20× slower) while oneDNN, on libtorch's OpenMP pool, does not — so
 * {@code onednn} is the choice for a shared host.
 */
final class OneDnnProducts {

    static final String PROPERTY = "swin4j.products";
    static final String ENV = "SWIN4J_PRODUCTS";

    private static volatile Boolean enabled;
    private static volatile Ops ops;

    private OneDnnProducts() {}

    /** Whether oneDNN products are switched on (read once; {@link #reset} re-reads, for tests). */
    static boolean enabled() {
        Boolean e = enabled;
        if (e == null) enabled = e = readSwitch();
        return e;
    }

    /** Re-reads the switch (tests set the property, then call this). */
    static void reset() { enabled = null; }

    private static boolean readSwitch() {
        String p = System.getProperty(PROPERTY);
        if (p == null) p = System.getenv(ENV);
        if (p == null || p.isEmpty()) return false; // OpenBLAS: faster on an idle machine (see the class javadoc)
        return switch (p) {
            case "blas" -> false;
            case "onednn" -> {
                if (!torch.hasMKLDNN()) {
                    throw new IllegalStateException(PROPERTY + "/" + ENV + "=onednn, but this libtorch has no oneDNN");
                }
                yield true;
            }
            default -> throw new IllegalArgumentException(
                    PROPERTY + " / " + ENV + " must be blas or onednn, got '" + p + "'");
        };
    }

    /** Whether this product runs through oneDNN: switched on, fp32 input and weight, no gradient recorded. */
    static boolean applies(Tensor x, Tensor weight) {
        return enabled() && !GradMode.is_enabled()
                && x.scalar_type().intern() == torch.ScalarType.Float
                && weight.scalar_type().intern() == torch.ScalarType.Float
                && x.dim() >= 2 && weight.dim() == 2 && !x.requires_grad();
    }

    /** {@code x (…, in) · weightᵀ + bias}, {@code weight} (out, in) as stored (oneDNN reorders it per call). */
    static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        Ops o = ops();
        IValueVector stack = new IValueVector(new IValue(x), new IValue(weight),
                bias == null ? new IValue() : new IValue(bias), new IValue("none"),
                new IValue(new GenericList(o.scalarType)), new IValue());
        Dispatcher.singleton().callBoxed(o.linear, stack);
        // a handle of its own: toTensor() refers into the stack
        return new Tensor(stack.get(0).toTensor());
    }

    private static Ops ops() {
        Ops o = ops;
        if (o == null) {
            Dispatcher d = Dispatcher.singleton();
            // kept beyond the PointerScope of the forward pass that first needs them: they live as long as the class
            OperatorHandle linear = Tensors.keep(d.findSchemaOrThrow("mkldnn::_linear_pointwise", ""));
            // the element type of _linear_pointwise's 'Scalar?[] scalars' argument, for the (empty) list passed
            Type.TypePtr scalar = Tensors.keep(linear.schema().arguments().getPointer(4).type().get().containedType(0));
            o = ops = new Ops(linear, scalar);
        }
        return o;
    }

    private record Ops(OperatorHandle linear, Type.TypePtr scalarType) {}
}
