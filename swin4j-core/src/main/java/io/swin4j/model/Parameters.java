package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.pytorch.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bound parameters of a model tree under their canonical paths, in registration order. The model owns their
 * native memory ({@link SwinTransformer#close()}).
 */
public final class Parameters {

    private final Map<String, Param> params;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    Parameters(Module root) {
        params = root.namedParams();
        params.forEach((k, p) -> tensors.put(k, p.tensor()));
    }

    /** Name → tensor. */
    public Map<String, Tensor> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    /** Name → declaration (shape, init, tags): what the policies (decay, freezing) read. */
    public Map<String, Param> declarations() {
        return params;
    }

    /** A copy of all values in Java memory, canonical names. */
    public Map<String, HostTensor> toHost() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, Tensors.toHost(v)));
        return out;
    }

    /**
     * Name → tensor of the parameters an optimizer updates, in registration order: all but the
     * {@link Param.Tag#BUFFER}s (BatchNorm running statistics), which no optimizer, weight decay or gradient may touch.
     */
    public Map<String, Tensor> trainable() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, t) -> {
            if (params.get(k).trainable()) out.put(k, t);
        });
        return Collections.unmodifiableMap(out);
    }

    /** Makes every trainable parameter record gradients (for training) or stop recording them; buffers never do. */
    public void requireGrad(boolean on) {
        trainable().values().forEach(t -> t.requires_grad_(on));
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
        return params.values().stream().mapToLong(Param::numel).sum();
    }
}
