package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The adapters of one Swin family and what depends on the family rather than the source: detection of the family
 * from key names, config inference from canonical shapes, and adapting the weights to another window or image size.
 * Adding a family = one implementation of this interface + one line in {@link Adapters}.
 */
public interface AdapterFamily {

    SwinConfig.Family family();

    /** How the family is named in messages ("Swin V2"). */
    String displayName();

    /** 0: not this family's keys; a family whose parameters only it has (cpb_mlp, spatial_mlp) scores above V1's 1. */
    int score(Collection<String> keys);

    /** This family's adapters in detection order (the first whose {@code matches} holds is taken). */
    List<CheckpointAdapter> adapters();

    /**
     * The architecture the canonical shapes describe (the preset, name included, when one has it).
     *
     * @param notes receives what could not be read from the weights and was assumed
     */
    SwinConfig infer(Map<String, long[]> canonicalShapes, SizeRule rule, LayoutHints hints, List<String> notes);

    /** What the family reads from its buffers (renamed to canonical paths); V1 and MLP need none. */
    default LayoutHints hints(Map<String, HostTensor> canonicalBuffers) {
        return LayoutHints.none();
    }

    /** The config {@code target} asks for, completed as the family needs (V2: pretrained windows). */
    default SwinConfig retargetConfig(SwinConfig from, SwinConfig target, List<String> notes) {
        return target;
    }

    /**
     * The weights for {@code target} (another window or image size than {@code from}); unchanged tensors are shared.
     *
     * @throws IllegalArgumentException when the family's weights cannot follow (Swin-MLP's window)
     */
    Map<String, HostTensor> retarget(Map<String, HostTensor> canonical, SwinConfig from, SwinConfig target, List<String> notes);
}
