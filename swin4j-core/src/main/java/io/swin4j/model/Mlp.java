package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

/** fc1 → exact GELU → dropout → fc2 → dropout, as every Swin family's {@code Mlp}. */
final class Mlp extends Module {

    private final Linear fc1, fc2;
    private final double drop;

    Mlp(long dim, long hidden, double drop) {
        fc1 = child("fc1", new Linear(dim, hidden, true));
        fc2 = child("fc2", new Linear(hidden, dim, true));
        this.drop = drop;
    }

    Tensor forward(Tensor x, boolean training) {
        Tensor y = Ops.dropout(Ops.gelu(fc1.forward(x)), drop, training);
        return Ops.dropout(fc2.forward(y), drop, training);
    }

    /** Multiply-accumulates for {@code tokens} tokens. */
    double macs(double tokens) {
        return 2 * tokens * fc1.in() * fc1.out();
    }
}
