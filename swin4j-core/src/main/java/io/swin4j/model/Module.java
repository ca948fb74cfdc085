package io.swin4j.model;

import io.swin4j.engine.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * A node of the model tree: named parameters and named child modules, in registration order. Every canonical name
 * ({@code layers.0.blocks.1.attn.qkv.weight}) is the path of a parameter in this tree, so the state-dict keys, the
 * strict-load report, initialisation, weight decay and freezing all derive from it (DJL's {@code addChildBlock},
 * PyTorch's {@code nn.Module}). Declaring a tree touches no native code; tensors are bound when a model is built.
 */
public abstract class Module {

    /** Registration order of parameters and children together, as {@code state_dict()} lists them. */
    private final Map<String, Object> entries = new LinkedHashMap<>();

    protected final Param param(String name, Init init, long[] shape, Param.Tag... tags) {
        Param p = new Param(shape, init, tags);
        put(name, p);
        return p;
    }

    protected final <M extends Module> M child(String name, M module) {
        put(name, module);
        return module;
    }

    private void put(String name, Object entry) {
        if (name.isEmpty() || name.startsWith(".") || name.endsWith(".")) throw new IllegalArgumentException("bad name '" + name + "'");
        if (entries.putIfAbsent(name, entry) != null) throw new IllegalStateException("registered twice: " + name);
    }

    /** Every parameter of this subtree under its dotted path, in registration order. */
    public final Map<String, Param> namedParams() {
        Map<String, Param> out = new LinkedHashMap<>();
        visit("", (name, p) -> out.put(name, p));
        return Collections.unmodifiableMap(out);
    }

    private void visit(String prefix, BiConsumer<String, Param> f) {
        entries.forEach((name, e) -> {
            if (e instanceof Param p) f.accept(prefix + name, p);
            else ((Module) e).visit(prefix + name + ".", f);
        });
    }

    /** The direct children, in registration order. */
    public final Map<String, Module> children() {
        Map<String, Module> out = new LinkedHashMap<>();
        entries.forEach((name, e) -> {
            if (e instanceof Module m) out.put(name, m);
        });
        return out;
    }

    /** Every module below this one under its dotted path, depth first (this one excluded). */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        children().forEach((name, m) -> {
            out.put(name, m);
            m.namedModules().forEach((sub, mm) -> out.put(name + "." + sub, mm));
        });
        return Collections.unmodifiableMap(out);
    }

    /** This module and all below it, depth first. */
    public final List<Module> modules() {
        List<Module> out = new ArrayList<>();
        out.add(this);
        children().values().forEach(c -> out.addAll(c.modules()));
        return out;
    }

    /**
     * Binds every parameter of this subtree to the tensor {@code source} gives for its path and declaration; a tensor
     * of another shape is an error naming the parameter. On failure nothing stays bound.
     */
    final void bindAll(BiFunction<String, Param, Tensor> source) {
        try {
            namedParams().forEach((name, p) -> {
                Tensor t = Tensors.keep(source.apply(name, p));
                long[] actual = Tensors.shape(t);
                if (!Arrays.equals(actual, p.shape())) {
                    t.close();
                    throw new IllegalArgumentException("parameter " + name + " has shape " + Arrays.toString(actual)
                            + ", the config needs " + Arrays.toString(p.shape()));
                }
                p.bind(t);
            });
        } catch (RuntimeException e) {
            releaseAll();
            throw e;
        }
    }

    /** Frees what a module computed and keeps (index tensors, cached biases); parameters stay. */
    protected void releaseCaches() {}

    /** Releases every cache of this subtree and every bound parameter. */
    final void releaseAll() {
        for (Module m : modules()) m.releaseCaches();
        namedParams().values().forEach(Param::release);
    }
}
