package io.swin4j.tensor;

import java.util.Arrays;

/**
 * A tensor held in Java memory, as read from or written to a checkpoint file. Values are always fp32
 * (fp16, bf16 and integer sources are widened on read); {@code sourceDType} remembers what the file held.
 * Kept free of libtorch so that checkpoint I/O and layout conversion run and test without native code.
 *
 * @param shape       dimensions, row-major (C order)
 * @param data        values in row-major order; length equals the product of {@code shape}
 * @param sourceDType the dtype name in the file, e.g. "F32", "F16", "BF16", "I64"
 */
public record HostTensor(long[] shape, float[] data, String sourceDType) {

    public HostTensor {
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
    }

    public static HostTensor of(float[] data, long... shape) {
        return new HostTensor(shape.clone(), data, "F32");
    }

    /**
     * A (N, C, H, W) batch of N images, each given as C·H·W values in CHW order (a preprocessed image).
     *
     * @throws IllegalArgumentException naming the image whose length is not C·H·W
     */
    public static HostTensor batch(java.util.List<float[]> images, int c, int h, int w) {
        int per = c * h * w;
        float[] data = new float[Math.multiplyExact(images.size(), per)];
        for (int i = 0; i < images.size(); i++) {
            float[] in = images.get(i);
            if (in.length != per) {
                throw new IllegalArgumentException("input " + i + " has " + in.length + " values, the model takes "
                        + c + "x" + h + "x" + w + " = " + per);
            }
            System.arraycopy(in, 0, data, i * per, per);
        }
        return of(data, images.size(), c, h, w);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public int rank() { return shape.length; }

    public long dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    public long numel() { return data.length; }

    public String shapeString() { return Arrays.toString(shape); }

    /** Same values under another shape with the same element count. */
    public HostTensor reshape(long... newShape) {
        return new HostTensor(newShape.clone(), data, sourceDType);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data)
                && sourceDType.equals(t.sourceDType);
    }

    @Override
    public int hashCode() { return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data); }

    @Override
    public String toString() { return "HostTensor" + Arrays.toString(shape) + "(" + sourceDType + ")"; }
}
