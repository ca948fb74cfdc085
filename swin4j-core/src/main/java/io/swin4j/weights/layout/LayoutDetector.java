package io.swin4j.weights.layout;

import java.util.Collection;

/** Recognises a state dict's family and source from its key names ({@link Adapters#detect}). */
public final class LayoutDetector {

    private LayoutDetector() {}

    public static Layout detect(Collection<String> keys) {
        return Adapters.detect(keys).source();
    }

    /** The adapter (family and source) of {@code keys}. */
    public static CheckpointAdapter detectAdapter(Collection<String> keys) {
        return Adapters.detect(keys);
    }
}
