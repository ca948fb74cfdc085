package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An adapter made of a key rename each way, a buffer pattern and tensor {@link Fix}es (split q/k/v, mmdet's unfold
 * order, torchvision's 3C bias...): the shape every known source has. Built with {@link #builder}.
 */
final class RuleAdapter implements CheckpointAdapter {

    /** A tensor-level rewrite that renaming alone cannot do, both ways. */
    interface Fix {
        /** After renaming: {@code out} holds canonical (or marker) names. */
        void toCanonical(Map<String, HostTensor> out, Context ctx);

        /** Before renaming back: {@code m} holds canonical names; leave the names {@link #sourceName} maps. */
        default void toSource(Map<String, HostTensor> m, SwinConfig config, List<String> notes) {}
    }

    /** Where a {@link Fix} reports. */
    record Context(List<String> unexpected, Map<String, HostTensor> extras, List<String> notes) {}

    /** Buffers of every family: recomputed by the model, never loaded. */
    static final Pattern BUFFERS = Pattern.compile(
            ".*(relative_position_index|relative_coords_table|attn_mask|num_batches_tracked|\\.k_bias)$");

    private final SwinConfig.Family family;
    private final Layout source;
    private final String description;
    private final Predicate<Collection<String>> matcher;
    private final Function<String, String> rename;
    private final Function<String, String> renameBack;
    private final Predicate<String> extra;
    private final List<Fix> fixes;
    private final Function<Map<String, HostTensor>, LayoutHints> hints;

    private RuleAdapter(Builder b) {
        family = b.family;
        source = b.source;
        description = b.description;
        matcher = b.matcher;
        rename = b.rename;
        renameBack = b.renameBack;
        extra = b.extra;
        fixes = List.copyOf(b.fixes);
        hints = b.hints;
    }

    static Builder builder(SwinConfig.Family family, Layout source, String description) {
        return new Builder(family, source, description);
    }

    @Override public SwinConfig.Family family() { return family; }

    @Override public Layout source() { return source; }

    @Override public String description() { return description; }

    @Override public boolean matches(Collection<String> keys) { return matcher.test(keys); }

    @Override public boolean canWrite() { return renameBack != null; }

    /** The canonical (or fix marker) name of a source key, or null. */
    String rename(String key) {
        return rename.apply(key);
    }

    @Override
    public ConversionResult toCanonical(Map<String, HostTensor> src) {
        Map<String, HostTensor> out = new LinkedHashMap<>(), extras = new LinkedHashMap<>(), buffers = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>(), unexpected = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : src.entrySet()) {
            String key = e.getKey();
            String name = rename.apply(key);
            if (BUFFERS.matcher(key).matches()) {
                ignored.add(key);
                if (name != null) buffers.put(name, e.getValue());
            } else if (name != null) {
                out.put(name, e.getValue());
            } else if (extra.test(key)) {
                extras.put(key, e.getValue());
            } else {
                unexpected.add(key);
            }
        }
        LayoutHints h = hints.apply(buffers);
        Context ctx = new Context(unexpected, extras, h.notes());
        for (Fix f : fixes) f.toCanonical(out, ctx);
        return new ConversionResult(out, ignored, unexpected, extras, h);
    }

    @Override
    public Map<String, HostTensor> fromCanonical(Map<String, HostTensor> canonical, SwinConfig config, List<String> notes) {
        if (renameBack == null) throw new UnsupportedOperationException(family + " " + source + " cannot be written");
        Map<String, HostTensor> m = new LinkedHashMap<>(canonical);
        for (int i = fixes.size() - 1; i >= 0; i--) fixes.get(i).toSource(m, config, notes);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            String name = renameBack.apply(k);
            if (name == null) {
                throw new IllegalArgumentException(source + " " + family + " checkpoints have no place for " + k);
            }
            out.put(name, v);
        });
        return out;
    }

    // ---------------------------------------------------------------- building blocks

    /** A first-match rename table: pairs of (regex over the whole key, replacement); no match gives null. */
    static Function<String, String> rules(String... fromTo) {
        List<Pattern> from = new ArrayList<>();
        List<String> to = new ArrayList<>();
        for (int i = 0; i < fromTo.length; i += 2) {
            from.add(Pattern.compile(fromTo[i]));
            to.add(fromTo[i + 1]);
        }
        return key -> {
            for (int i = 0; i < from.size(); i++) {
                Matcher m = from.get(i).matcher(key);
                if (m.matches()) return m.replaceFirst(to.get(i));
            }
            return null;
        };
    }

    static final Function<String, String> IDENTITY = key -> key;

    static final class Builder {
        private final SwinConfig.Family family;
        private final Layout source;
        private final String description;
        private Predicate<Collection<String>> matcher = keys -> false;
        private Function<String, String> rename = IDENTITY, renameBack;
        private Predicate<String> extra = key -> false;
        private final List<Fix> fixes = new ArrayList<>();
        private Function<Map<String, HostTensor>, LayoutHints> hints = b -> LayoutHints.none();

        private Builder(SwinConfig.Family family, Layout source, String description) {
            this.family = Objects.requireNonNull(family);
            this.source = Objects.requireNonNull(source);
            this.description = description;
        }

        Builder matches(Predicate<Collection<String>> p) { matcher = p; return this; }

        Builder rename(Function<String, String> f) { rename = f; return this; }

        /** Without it the source cannot be written. */
        Builder renameBack(Function<String, String> f) { renameBack = f; return this; }

        /** Source keys kept aside in {@link ConversionResult#extras()} instead of reported as unexpected. */
        Builder extras(Predicate<String> p) { extra = p; return this; }

        Builder fix(Fix... f) { fixes.addAll(List.of(f)); return this; }

        Builder hints(Function<Map<String, HostTensor>, LayoutHints> h) { hints = h; return this; }

        RuleAdapter build() { return new RuleAdapter(this); }
    }
}
