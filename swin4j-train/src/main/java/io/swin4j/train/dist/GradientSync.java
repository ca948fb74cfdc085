package io.swin4j.train.dist;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Reducer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.SizeTStringMap;
import org.bytedeco.pytorch.SizeTVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Averages the gradients of a parameter list over the ranks, each optimizer step, in buckets of
 * {@link Distributed#bucketCapMb()} — DDP's semantics, with one of two engines ({@link Distributed#overlap()}):
 * <ul>
 * <li><b>overlapped</b> (default): c10d's {@code Reducer}, the C++ engine of PyTorch's DistributedDataParallel. It
 * hooks each parameter's gradient accumulator, so a bucket's all-reduce starts as soon as the backward pass has
 * produced its gradients and runs while the backward pass goes on (buckets from {@code compute_bucket_assignment_by_size},
 * last parameters first, a small first bucket as DDP's); the backward call returns with the averaged gradients.</li>
 * <li><b>after the backward pass</b>: the gradients are packed into flat buckets and all-reduced then, each bucket's
 * all-reduce running while the next is packed. Slower on a network, but its time is all communication: what
 * {@link #seconds()} reports is the whole cost of averaging.</li>
 * </ul>
 * With one process nothing happens. A parameter must receive a gradient in every backward pass (DDP's default,
 * {@code find_unused_parameters=False}); a rank with nothing to compute still takes part ({@link #backward} with null).
 */
public final class GradientSync implements AutoCloseable {

    private static final long FIRST_BUCKET_BYTES = 1 << 20; // DDP's first bucket: 1 MB, to start communicating early

    private final Collectives dist;
    private final List<Tensor> parameters;
    private final Reducer reducer;
    private final FlatBuckets buckets;
    private final int bucketCount;
    private long nanos, rounds;

    GradientSync(Collectives dist, List<Tensor> parameters) {
        this.dist = dist;
        this.parameters = List.copyOf(parameters);
        Distributed d = dist.distributed();
        long cap = (long) d.bucketCapMb() << 20;
        if (!d.isDistributed()) {
            reducer = null;
            buckets = null;
            bucketCount = 0;
        } else if (d.overlap()) {
            TensorVector params = new TensorVector(parameters.toArray(new Tensor[0]));
            SizeTVector limits = new SizeTVector();
            limits.push_back(FIRST_BUCKET_BYTES);
            limits.push_back(cap);
            // get0() points into the returned tuple: the tuple must stay reachable until the reducer has copied it (the
            // GC frees an unreachable JavaCPP object's native memory; a freed assignment gave std::bad_alloc at random).
            var computed = torch.compute_bucket_assignment_by_size(params, limits);
            var assignment = computed.get0();
            bucketCount = (int) assignment.size();
            BoolVector sparse = new BoolVector(new boolean[parameters.size()]);
            SizeTStringMap names = new SizeTStringMap();
            reducer = new Reducer(params, assignment, dist.processGroup(), sparse, cap, false, false, names, FIRST_BUCKET_BYTES, false,
                    false);
            java.lang.ref.Reference.reachabilityFence(computed);
            java.lang.ref.Reference.reachabilityFence(params);
            java.lang.ref.Reference.reachabilityFence(limits);
            java.lang.ref.Reference.reachabilityFence(sparse);
            java.lang.ref.Reference.reachabilityFence(names);
            buckets = null;
        } else {
            List<Tensor> reversed = new ArrayList<>(parameters);
            Collections.reverse(reversed);
            buckets = new FlatBuckets(reversed, cap);
            bucketCount = buckets.size();
            reducer = null;
        }
    }

    /**
     * Runs one micro-batch's backward pass ({@code backward}; null on a rank with no samples in it: a zero loss over
     * every parameter takes its place, so that this rank joins the all-reduce). With {@code sync} (the micro-batch
     * that ends an optimizer step) the accumulated gradients are averaged over the ranks; without, they only
     * accumulate here (DDP's {@code no_sync}).
     */
    public void backward(Runnable backward, boolean sync) {
        boolean distributed = dist.distributed().isDistributed();
        if (backward == null && !(distributed && sync)) return;
        Runnable pass = backward != null ? backward : this::zeroBackward;
        if (!distributed || !sync) {
            pass.run();
            return;
        }
        if (reducer != null) {
            dist.collective("gradient all-reduce", () -> {
                reducer.prepare_for_forward();
                reducer.prepare_for_backward(new TensorVector());
                pass.run(); // the reducer's hooks all-reduce during it and write the averages at its end
                return null;
            });
        } else {
            pass.run();
            long start = System.nanoTime();
            try {
                averageAfterBackward();
            } finally {
                long t = System.nanoTime() - start;
                nanos += t;
                dist.count(t);
            }
        }
        rounds++;
    }

    private void zeroBackward() {
        try (PointerScope scope = new PointerScope()) {
            Tensor zero = null;
            for (Tensor p : parameters) {
                Tensor z = p.sum().mul(new Scalar(0.0));
                zero = zero == null ? z : zero.add(z);
            }
            if (zero != null) zero.backward();
        }
    }

    private void averageAfterBackward() {
        try (PointerScope scope = new PointerScope()) {
            List<Work> works = new ArrayList<>();
            List<Tensor> flats = new ArrayList<>();
            for (int i = 0; i < buckets.size(); i++) {
                Tensor flat = buckets.pack(i, Tensor::grad);
                flats.add(flat);
                works.add(dist.collective("gradient all-reduce", () -> dist.gloo().allreduce(new TensorVector(flat))));
            }
            for (int i = 0; i < buckets.size(); i++) {
                Work w = works.get(i);
                dist.guard("gradient all-reduce", () -> w._wait());
                flats.get(i).div_(new Scalar((double) dist.worldSize()));
                buckets.unpack(i, p -> {
                    if (!p.grad().defined()) {
                        try (NoGradGuard ng = new NoGradGuard()) {
                            p.mutable_grad().put(torch.zeros_like(p));
                        }
                    }
                    return p.grad();
                });
            }
        }
    }

    /** The buckets the gradients travel in. */
    public int buckets() { return bucketCount; }

    /** The fp32 values averaged each step. */
    public long values() {
        long n = 0;
        for (Tensor p : parameters) n += p.numel();
        return n;
    }

    /** Optimizer steps whose gradients were averaged. */
    public long rounds() { return rounds; }

    /**
     * Seconds spent averaging after the backward pass (packing, all-reduce, waiting for the other ranks, unpacking);
     * NaN when the averaging is overlapped with the backward pass (it hides inside it).
     */
    public double seconds() {
        return reducer != null ? Double.NaN : nanos / 1e9;
    }

    @Override
    public void close() {
        if (reducer != null) {
            reducer.remove_autograd_hooks();
            reducer.close();
        }
        if (buckets != null) buckets.close();
    }
}
