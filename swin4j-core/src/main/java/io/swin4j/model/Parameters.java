package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The named learnable tensors of a model in canonical (official) naming, in registration order. Owns
 * their native memory until {@link #close()}.
 */
public final class Parameters implements AutoCloseable {

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final BiFunction<String, long[], Tensor> source;

    /** @param source creates the tensor for a name and expected shape (from a checkpoint, or freshly initialised) */
    Parameters(BiFunction<String, long[], Tensor> source) {
        this.source = source;
    }

    /** Registers {@code name} with the expected shape, taking its value from the source. */
    Tensor register(String name, long... shape) {
        Tensor t = Tensors.keep(source.apply(name, shape));
        long[] actual = Tensors.shape(t);
        if (!Arrays.equals(actual, shape)) {
            t.close();
            throw new IllegalArgumentException("parameter " + name + " has shape " + Arrays.toString(actual)
                    + ", the config needs " + Arrays.toString(shape));
        }
        if (tensors.putIfAbsent(name, t) != null) {
            throw new IllegalStateException("parameter registered twice: " + name);
        }
        return t;
    }

    public Map<String, Tensor> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    /** A copy of all values in Java memory, canonical names. */
    public Map<String, HostTensor> toHost() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, Tensors.toHost(v)));
        return out;
    }

    /** Makes every parameter record gradients (for training) or stop recording them. */
    public void requireGrad(boolean on) {
        tensors.values().forEach(t -> t.requires_grad_(on));
    }

    /** The gradients after a backward pass, canonical names; parameters without one are absent. */
    public Map<String, HostTensor> gradsToHost() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            Tensor g = v.grad();
            if (g != null && !g.isNull() && g.defined()) out.put(k, Tensors.toHost(g));
        });
        return out;
    }

    public long count() {
        return tensors.values().stream().mapToLong(Tensor::numel).sum();
    }

    @Override
    public void close() {
        tensors.values().forEach(Tensor::close);
        tensors.clear();
    }
}
