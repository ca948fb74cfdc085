package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Every checkpoint adapter, by family: detection, lookup by (family, source). */
public final class Adapters {

    /** The families in tie-break order; V1 scores 1 on anything, the others only on their own parameters. */
    private static final List<AdapterFamily> FAMILIES = List.of(V1Adapters.INSTANCE, V2Adapters.INSTANCE, MlpAdapters.INSTANCE);

    private Adapters() {}

    public static List<AdapterFamily> families() { return FAMILIES; }

    public static AdapterFamily family(SwinConfig.Family family) {
        return FAMILIES.stream().filter(f -> f.family() == family).findFirst()
                .orElseThrow(() -> new IllegalStateException("no adapters for family " + family));
    }

    /** The family whose keys these are (canonical or source names alike). */
    public static SwinConfig.Family familyOf(Collection<String> keys) {
        return bestFamily(keys).family();
    }

    private static AdapterFamily bestFamily(Collection<String> keys) {
        // the highest score; on a tie the earlier family
        AdapterFamily best = FAMILIES.get(0);
        int bestScore = best.score(keys);
        for (AdapterFamily f : FAMILIES) {
            int s = f.score(keys);
            if (s > bestScore) {
                best = f;
                bestScore = s;
            }
        }
        return best;
    }

    /**
     * The adapter of a state dict: its family (by the parameters only that family has), then the first of the
     * family's adapters that recognises the keys.
     *
     * @throws UnknownLayoutException when none does (the message lists the first keys)
     */
    public static CheckpointAdapter detect(Collection<String> keys) {
        AdapterFamily family = bestFamily(keys);
        for (CheckpointAdapter a : family.adapters()) {
            if (a.matches(keys)) return a;
        }
        String sample = keys.stream().limit(6).collect(Collectors.joining(", "));
        String what = family.family() == SwinConfig.Family.V1 ? ""
                : "a " + family.displayName() + " state dict, but ";
        throw new UnknownLayoutException("unknown checkpoint layout: " + what + "none of "
                + (family.family() == SwinConfig.Family.V1 ? Arrays.toString(Layout.values()) : sources(family.family()).toString())
                + " matches its keys (first keys: " + sample
                + (keys.size() > 6 ? ", ... " + keys.size() + " in all" : "") + ")");
    }

    public static Optional<CheckpointAdapter> find(SwinConfig.Family family, Layout source) {
        return family(family).adapters().stream().filter(a -> a.source() == source).findFirst();
    }

    /** @throws IllegalArgumentException naming the sources the family has */
    public static CheckpointAdapter require(SwinConfig.Family family, Layout source) {
        return find(family, source).orElseThrow(() -> new IllegalArgumentException(family(family).displayName()
                + " has no " + source + " layout; its layouts: " + sources(family)));
    }

    /** The sources a family has, in detection order. */
    public static List<Layout> sources(SwinConfig.Family family) {
        return family(family).adapters().stream().map(CheckpointAdapter::source).toList();
    }

    /** The sources a family can write ({@code swin convert --to}). */
    public static List<Layout> writableSources(SwinConfig.Family family) {
        return family(family).adapters().stream().filter(CheckpointAdapter::canWrite).map(CheckpointAdapter::source)
                .sorted(Comparator.naturalOrder()).toList();
    }
}
