package io.swin4j.train.dist;

import io.swin4j.engine.Tensors;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Tensors grouped into flat fp32 buffers of at most {@code capBytes} each (a tensor larger than the cap gets a buffer
 * of its own), in the order given: DDP's gradient buckets, which it fills in reverse registration order because the
 * backward pass produces the last layers' gradients first. One collective per buffer instead of one per tensor.
 */
final class FlatBuckets implements AutoCloseable {

    private record Slot(int tensor, long offset, long numel) {}

    private final List<Tensor> tensors;
    private final List<List<Slot>> buckets = new ArrayList<>();
    private final List<Tensor> flats = new ArrayList<>();

    FlatBuckets(List<Tensor> tensors, long capBytes) {
        this.tensors = List.copyOf(tensors);
        List<Slot> current = new ArrayList<>();
        long filled = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t.scalar_type().value != torch.ScalarType.Float.value) {
                throw new IllegalArgumentException("tensor " + i + " is " + t.scalar_type() + "; the buckets hold fp32");
            }
            long n = t.numel();
            if (!current.isEmpty() && 4 * (filled + n) > capBytes) {
                close(current, filled);
                current = new ArrayList<>();
                filled = 0;
            }
            current.add(new Slot(i, filled, n));
            filled += n;
        }
        if (!current.isEmpty()) close(current, filled);
    }

    private void close(List<Slot> bucket, long numel) {
        buckets.add(bucket);
        flats.add(Tensors.keep(torch.zeros(new long[] {numel}, new TensorOptions(torch.ScalarType.Float))));
    }

    int size() { return buckets.size(); }

    long numel(int bucket) { return flats.get(bucket).numel(); }

    /** Copies {@code source(tensor)} of every tensor of the bucket into its buffer (zeros where it is undefined). */
    Tensor pack(int bucket, Function<Tensor, Tensor> source) {
        Tensor flat = flats.get(bucket);
        try (NoGradGuard ng = new NoGradGuard()) {
            for (Slot s : buckets.get(bucket)) {
                Tensor v = source.apply(tensors.get(s.tensor()));
                Tensor part = flat.narrow(0, s.offset(), s.numel());
                if (v == null || !v.defined()) part.zero_();
                else part.copy_(v.reshape(-1));
            }
        }
        return flat;
    }

    /** Copies the buffer back into {@code target(tensor)} of every tensor of the bucket. */
    void unpack(int bucket, Function<Tensor, Tensor> target) {
        Tensor flat = flats.get(bucket);
        try (NoGradGuard ng = new NoGradGuard()) {
            for (Slot s : buckets.get(bucket)) {
                Tensor t = tensors.get(s.tensor());
                Tensor dst = target.apply(t);
                dst.copy_(flat.narrow(0, s.offset(), s.numel()).view(Tensors.shape(t)));
            }
        }
    }

    @Override
    public void close() {
        for (Tensor f : flats) f.close();
        flats.clear();
    }

    static Tensor empty(long n, torch.ScalarType type) {
        return torch.empty(new long[] {n}, new TensorOptions(type), new MemoryFormatOptional());
    }
}
