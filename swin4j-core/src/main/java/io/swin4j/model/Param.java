package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * A learnable tensor a {@link Module} declares: its shape, how it is initialised and its tags, known at construction
 * (pure Java, no libtorch); the tensor itself is bound when the model is built from weights or initialised. Policy
 * questions (weight decay, freezing, what the head is) are answered from the tags and the tree, never from names.
 */
public final class Param {

    /** What a parameter is, for policies derived from the tree. */
    public enum Tag {
        /** Excluded from weight decay besides the 1-D rule (position tables, the V2 bias MLP, logit scales). */
        NO_DECAY,
        /** Encodes positions: relative-position tables, the continuous position bias MLP, absolute embeddings. */
        POSITION,
        /** The classifier: replaced when fine-tuning to other classes. */
        HEAD,
        /**
         * A buffer, not a learnable parameter (BatchNorm's running mean and variance): saved and loaded with the
         * weights, updated by the forward pass in training, never by an optimizer ({@link Parameters#trainable()}).
         */
        BUFFER
    }

    private final long[] shape;
    private final Init init;
    private final Set<Tag> tags;
    private Tensor tensor;

    Param(long[] shape, Init init, Tag... tags) {
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("parameter dimension must be > 0: " + Arrays.toString(shape));
        }
        this.shape = shape.clone();
        this.init = init;
        this.tags = tags.length == 0 ? EnumSet.noneOf(Tag.class) : EnumSet.of(tags[0], tags);
    }

    public long[] shape() { return shape.clone(); }

    public Init init() { return init; }

    public boolean is(Tag tag) { return tags.contains(tag); }

    /** The official rule ({@code set_weight_decay}): no decay on 1-D parameters and on tagged ones. */
    public boolean noWeightDecay() {
        return shape.length == 1 || tags.contains(Tag.NO_DECAY);
    }

    /** Whether an optimizer updates it: every parameter except {@link Tag#BUFFER}s. */
    public boolean trainable() {
        return !tags.contains(Tag.BUFFER);
    }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The bound tensor; a model built by {@link SwinTransformer}'s factories has every parameter bound. */
    public Tensor tensor() {
        if (tensor == null) throw new IllegalStateException("parameter not bound (a declared, unbuilt model)");
        return tensor;
    }

    void bind(Tensor t) {
        if (tensor != null) throw new IllegalStateException("parameter bound twice");
        tensor = t;
    }

    void release() {
        if (tensor != null) tensor.close();
        tensor = null;
    }
}
