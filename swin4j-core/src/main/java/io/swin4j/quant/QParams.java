package io.swin4j.quant;

/**
 * Affine 8-bit quantization parameters: q = clamp(round(x / scale) + zeroPoint, qmin, qmax), x ≈ (q − zeroPoint)·scale,
 * rounding half to even as {@code torch.quantize_per_tensor}.
 *
 * <p>Activations are uint8 with a <em>reduced range</em> [0, 127]: FBGEMM's AVX2 kernels multiply uint8 activations
 * by int8 weights in pairs summed into 16 bits ({@code vpmaddubsw}), which saturates when both are near their extremes;
 * 7-bit activations never do. PyTorch's FBGEMM configurations ({@code reduce_range=True}) make the same choice.
 */
public record QParams(float scale, int zeroPoint, int qmin, int qmax) {

    /** uint8 activations with the reduced range (see above). */
    public static final int ACTIVATION_QMIN = 0, ACTIVATION_QMAX = 127;
    /** float32 machine epsilon: the smallest scale PyTorch's observers return. */
    public static final float EPS = Math.ulp(1.0f);

    public QParams {
        if (!(scale > 0) || Float.isInfinite(scale)) throw new IllegalArgumentException("scale must be finite and > 0, got " + scale);
        if (qmin >= qmax) throw new IllegalArgumentException("qmin " + qmin + " must be below qmax " + qmax);
        if (zeroPoint < qmin || zeroPoint > qmax) {
            throw new IllegalArgumentException("zero point " + zeroPoint + " outside [" + qmin + ", " + qmax + "]");
        }
    }

    /**
     * The parameters of an observed range [min, max] as PyTorch's {@code _ObserverBase._calculate_qparams}
     * (per-tensor affine): the range is widened to include 0, scale = (max − min)/(qmax − qmin) (at least {@link #EPS}),
     * zeroPoint = qmin − round(min/scale) clamped to [qmin, qmax].
     */
    public static QParams affine(float min, float max, int qmin, int qmax) {
        if (Float.isNaN(min) || Float.isNaN(max) || min > max) {
            throw new IllegalArgumentException("bad range [" + min + ", " + max + "]");
        }
        float minNeg = Math.min(min, 0f), maxPos = Math.max(max, 0f);
        float scale = (maxPos - minNeg) / (float) (qmax - qmin);
        scale = Math.max(scale, EPS);
        long zp = qmin - Math.round(Math.rint(minNeg / scale));
        zp = Math.max(qmin, Math.min(qmax, zp));
        return new QParams(scale, (int) zp, qmin, qmax);
    }

    /** uint8 activation parameters for [min, max] with the reduced range [0, 127]. */
    public static QParams activation(float min, float max) {
        return affine(min, max, ACTIVATION_QMIN, ACTIVATION_QMAX);
    }

    /**
     * The symmetric int8 weight scale of one output channel whose largest magnitude is {@code absMax}, as PyTorch's
     * {@code PerChannelMinMaxObserver} with {@code per_channel_symmetric} on qint8: absMax / ((127 − (−128)) / 2),
     * at least {@link #EPS}; the zero point is 0.
     */
    public static float symmetricWeightScale(float absMax) {
        return Math.max(absMax / 127.5f, EPS);
    }

    /** q of one value (the kernels' rounding: half to even). */
    public int quantize(float x) {
        double q = Math.rint(x / scale) + zeroPoint;
        return (int) Math.max(qmin, Math.min(qmax, q));
    }

    public float dequantize(int q) {
        return (q - zeroPoint) * scale;
    }

    /** The range that quantizes without clipping: [(qmin − zp)·scale, (qmax − zp)·scale]. */
    public float min() { return dequantize(qmin); }

    public float max() { return dequantize(qmax); }
}
