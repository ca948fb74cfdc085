package io.swin4j.weights.layout;

import io.swin4j.tensor.HostTensor;

import java.util.Map;

/**
 * Converts a state dict of a known {@link Layout} to canonical names: the adapter of that source in the family the keys
 * belong to ({@link Adapters}). The renames and rewrites live in the adapters ({@link V1Adapters}, {@link V2Adapters},
 * {@link MlpAdapters}, shared ones in {@link Rewrites}).
 */
public final class LayoutConverter {

    private LayoutConverter() {}

    /** Present in {@link ConversionResult#extras()} when an mmdet file had no final norm and an identity one is used. */
    public static final String IDENTITY_NORM_MARKER = Rewrites.IDENTITY_NORM_MARKER;

    public static ConversionResult toCanonical(Map<String, HostTensor> source, Layout layout) {
        return Adapters.require(Adapters.familyOf(source.keySet()), layout).toCanonical(source);
    }

    /** The canonical name of a V1 {@code key} (or an HF q/k/v marker), or null if it has none. */
    static String rename(String key, Layout layout) {
        return ((RuleAdapter) Adapters.require(io.swin4j.model.SwinConfig.Family.V1, layout)).rename(key);
    }

    static HostTensor fromUnfoldOrder(HostTensor t) {
        return Rewrites.fromUnfoldOrder(t);
    }

    static HostTensor toUnfoldOrder(HostTensor t) {
        return Rewrites.toUnfoldOrder(t);
    }
}
