package io.swin4j.model;

import org.bytedeco.pytorch.global.torch;

import java.util.Locale;

/**
 * The number format a model computes in. BF16 keeps fp32's range with an 8-bit mantissa: about twice the
 * GEMM speed on CPUs with bf16 instructions, for inference only. INT8 runs the matrix products of the linear layers in
 * int8 on FBGEMM ({@link Quantization}) and everything else in fp32, for inference only. Inputs and outputs stay fp32
 * in every case.
 */
public enum Precision {
    FP32(torch.ScalarType.Float),
    BF16(torch.ScalarType.BFloat16),
    /** The activations between layers stay fp32: the scalar type is the one they flow in. */
    INT8(torch.ScalarType.Float);

    private final torch.ScalarType scalarType;

    Precision(torch.ScalarType scalarType) {
        this.scalarType = scalarType;
    }

    public torch.ScalarType scalarType() { return scalarType; }

    /** {@code fp32}, {@code bf16} or {@code int8}, any case. */
    public static Precision parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown precision '" + s + "': expected fp32, bf16 or int8");
        }
    }

    @Override
    public String toString() { return name().toLowerCase(Locale.ROOT); }
}
