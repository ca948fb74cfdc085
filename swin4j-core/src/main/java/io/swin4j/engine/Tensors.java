package io.swin4j.engine;

import io.swin4j.tensor.HostTensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Copies between Java arrays and libtorch tensors; every tensor returned owns its memory. */
public final class Tensors {

    private Tensors() {}

    /** A new fp32 tensor holding a copy of {@code data}, shaped {@code shape}. */
    public static Tensor fromFloats(float[] data, long... shape) {
        NativeTorch.ensureLoaded();
        long n = HostTensor.numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape needs " + n + " values, got " + data.length);
        }
        Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
        if (n > 0) {
            try (FloatPointer p = t.data_ptr_float()) {
                p.put(data);
            }
        }
        return t;
    }

    /**
     * A new fp32 (N, C, H, W) batch of N images, each given as C·H·W values in CHW order (a preprocessed image).
     *
     * @throws IllegalArgumentException naming the image whose length is not C·H·W
     */
    public static Tensor batch(java.util.List<float[]> images, int c, int h, int w) {
        return fromHost(HostTensor.batch(images, c, h, w));
    }

    public static Tensor fromHost(HostTensor h) {
        return fromFloats(h.data(), h.shape());
    }

    /** A new int64 tensor (for index_select) holding {@code values}. */
    public static Tensor fromInts(int[] values, long... shape) {
        NativeTorch.ensureLoaded();
        long[] widened = new long[values.length];
        for (int i = 0; i < values.length; i++) widened[i] = values[i];
        Tensor t = torch.empty(shape, new TensorOptions(torch.ScalarType.Long), new MemoryFormatOptional());
        if (values.length > 0) {
            try (LongPointer p = t.data_ptr_long()) {
                p.put(widened);
            }
        }
        return t;
    }

    /**
     * Detaches {@code t} from the innermost {@link PointerScope}, so that a tensor made during a scoped
     * computation (a cached index, a parameter, a result) outlives it. The caller then owns it.
     */
    public static <T extends Pointer> T keep(T t) {
        PointerScope scope = PointerScope.getInnerScope();
        if (scope != null) {
            // detach() releases the scope's reference; take one first so the tensor stays alive.
            t.retainReference();
            scope.detach(t);
        }
        return t;
    }

    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    /** The values of {@code t} (any float dtype, any strides) as fp32 in row-major order. */
    public static float[] toFloats(Tensor t) {
        try (Tensor c = t.to(torch.ScalarType.Float).contiguous()) {
            float[] out = new float[(int) c.numel()];
            if (out.length > 0) {
                try (FloatPointer p = c.data_ptr_float()) {
                    p.get(out);
                }
            }
            return out;
        }
    }

    public static HostTensor toHost(Tensor t) {
        return HostTensor.of(toFloats(t), shape(t));
    }
}
