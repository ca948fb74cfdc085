package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One (family, source) pair: how one implementation names one Swin family's state dict, both ways (timm's
 * {@code checkpoint_filter_fn} is the model). Adapters are grouped by family in {@link AdapterFamily} and listed in
 * {@link Adapters}; the family supplies config inference and window/image retargeting.
 */
public interface CheckpointAdapter {

    SwinConfig.Family family();

    /** The implementation whose naming this is. */
    Layout source();

    String description();

    /** Whether {@code keys}, already known to be of {@link #family()}, are this source's (first match wins). */
    boolean matches(Collection<String> keys);

    /** The source state dict with canonical names: buffers ignored, split tensors joined, unknown keys reported. */
    ConversionResult toCanonical(Map<String, HostTensor> source);

    /** Whether {@link #fromCanonical} can write this source's names. */
    boolean canWrite();

    /**
     * Canonical tensors with this source's own names and tensor layout (no buffers), e.g. for
     * {@code swin convert --to}; {@code notes} receives what had to be dropped or made up.
     *
     * @throws UnsupportedOperationException when {@link #canWrite()} is false
     * @throws IllegalArgumentException      when a canonical tensor has no place in this source
     */
    Map<String, HostTensor> fromCanonical(Map<String, HostTensor> canonical, SwinConfig config, List<String> notes);

    /** The config the converted tensors (and the buffer hints) describe; the family's inference, this source's size rule. */
    default SwinConfig inferConfig(ConversionResult converted, List<String> notes) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        converted.canonical().forEach((k, v) -> shapes.put(k, v.shape()));
        return Adapters.family(family()).infer(shapes, source().sizeRule(), converted.hints(), notes);
    }
}
