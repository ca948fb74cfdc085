package io.swin4j.onnx.export;

import io.swin4j.onnx.graph.GraphBuilder;

import java.util.ArrayList;
import java.util.List;

import static io.swin4j.onnx.graph.GraphBuilder.attr;

/**
 * Sizes of a graph that are constants when the input size is fixed and int64 tensors computed in the graph when it is
 * not: the arithmetic folds constants, so a static-size export writes no size arithmetic at all and a dynamic-size one
 * writes the same formulas as nodes. Every computed size is a 1-element 1-D int64 tensor.
 */
final class Dims {

    /** A size: {@code value} when {@code tensor} is null, else the tensor's value. */
    record Dim(long value, String tensor) {
        static Dim of(long v) { return new Dim(v, null); }

        boolean known() { return tensor == null; }
    }

    private final GraphBuilder g;

    Dims(GraphBuilder g) {
        this.g = g;
    }

    /** The tensor of a size (a shared constant for a known one). */
    String t(Dim d) {
        return d.known() ? g.shape(d.value()) : d.tensor();
    }

    /** A 1-D shape or index tensor of sizes and longs: a constant when every part is known, else a Concat. */
    String shape(Object... parts) {
        boolean known = true;
        for (Object p : parts) if (p instanceof Dim d && !d.known()) known = false;
        if (known) {
            long[] v = new long[parts.length];
            for (int i = 0; i < parts.length; i++) v[i] = parts[i] instanceof Dim d ? d.value() : ((Number) parts[i]).longValue();
            return g.shape(v);
        }
        List<String> in = new ArrayList<>();
        for (Object p : parts) in.add(p instanceof Dim d ? t(d) : g.shape(((Number) p).longValue()));
        return g.op("Concat", in, attr("axis", 0L));
    }

    /** Element {@code i} of a tensor's shape. */
    Dim dimOf(String value, int i) {
        return new Dim(-1, g.op("Slice", g.op("Shape", value), g.shape(i), g.shape(i + 1)));
    }

    Dim add(Dim a, Dim b) { return binary("Add", a, b, Math.addExact(a.value(), b.value())); }

    Dim add(Dim a, long b) { return add(a, Dim.of(b)); }

    Dim sub(Dim a, Dim b) { return binary("Sub", a, b, a.value() - b.value()); }

    Dim mul(Dim a, Dim b) { return binary("Mul", a, b, a.value() * b.value()); }

    Dim mul(Dim a, long b) { return mul(a, Dim.of(b)); }

    /** Floor division of non-negative sizes. */
    Dim div(Dim a, Dim b) { return binary("Div", a, b, b.known() && b.value() != 0 ? a.value() / b.value() : 0); }

    Dim div(Dim a, long b) { return div(a, Dim.of(b)); }

    Dim mod(Dim a, Dim b) {
        if (a.known() && b.known()) return Dim.of(Math.floorMod(a.value(), b.value()));
        return new Dim(-1, g.op("Mod", List.of(t(a), t(b)), attr("fmod", 0L)));
    }

    Dim mod(Dim a, long b) { return mod(a, Dim.of(b)); }

    Dim min(Dim a, Dim b) { return binary("Min", a, b, Math.min(a.value(), b.value())); }

    /** ⌈a / b⌉·b. */
    Dim roundUp(Dim a, Dim b) { return mul(div(add(a, sub(b, Dim.of(1))), b), b); }

    /** {@code ifTrue} where a &gt; b, else {@code ifFalse}. */
    Dim whereGreater(Dim a, Dim b, Dim ifTrue, Dim ifFalse) {
        if (a.known() && b.known()) return a.value() > b.value() ? ifTrue : ifFalse;
        return new Dim(-1, g.op("Where", g.op("Greater", t(a), t(b)), t(ifTrue), t(ifFalse)));
    }

    private Dim binary(String op, Dim a, Dim b, long folded) {
        if (a.known() && b.known()) return Dim.of(folded);
        return new Dim(-1, g.op(op, t(a), t(b)));
    }
}
