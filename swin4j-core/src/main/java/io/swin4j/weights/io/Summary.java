package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;

import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A bounded, cycle-safe rendering of an unpickled value for messages and metadata: at most {@link #MAX_DEPTH} levels,
 * {@link #MAX_ELEMENTS} elements per container and a fixed number of characters, so that neither shared references
 * (a tree of 10^12 paths over 120 objects) nor cycles (a list that holds itself) cost more than a few thousand steps.
 * A container met again on its own path is shown as {@code <cycle>}.
 */
final class Summary {

    static final int MAX_DEPTH = 4, MAX_ELEMENTS = 8, MAX_CHARS = 80;

    private final StringBuilder out = new StringBuilder();
    private final int maxChars;
    private final IdentityHashMap<Object, Boolean> path = new IdentityHashMap<>();

    private Summary(int maxChars) {
        this.maxChars = maxChars;
    }

    /** At most {@value #MAX_CHARS} characters. */
    static String of(Object v) {
        return of(v, MAX_CHARS);
    }

    static String of(Object v, int maxChars) {
        Summary s = new Summary(maxChars);
        s.append(v, 0);
        return s.full() ? s.out.substring(0, maxChars - 3) + "..." : s.out.toString();
    }

    private boolean full() {
        return out.length() > maxChars;
    }

    private void text(String s) {
        int room = maxChars + 1 - out.length();
        if (room > 0) out.append(s, 0, Math.min(s.length(), room));
    }

    private void append(Object v, int depth) {
        if (full()) return;
        if (v == null) {
            text("null");
        } else if (v instanceof RestrictedUnpickler.Opaque o) {
            text("<" + o.pythonClass() + ">");
        } else if (v instanceof HostTensor t) {
            text("tensor" + Arrays.toString(t.shape()));
        } else if (v instanceof String s) {
            text(s.length() > maxChars ? s.substring(0, maxChars + 1) : s);
        } else if (v instanceof byte[] b) {
            text("bytes(" + b.length + ")");
        } else if (v instanceof Object[] a) {
            container(v, Arrays.asList(a).iterator(), a.length, "[", "]", depth);
        } else if (v instanceof Collection<?> c) {
            container(v, c.iterator(), c.size(), "[", "]", depth);
        } else if (v instanceof Map<?, ?> m) {
            container(v, m.entrySet().iterator(), m.size(), "{", "}", depth);
        } else if (v instanceof Map.Entry<?, ?> e) {
            append(e.getKey(), depth);
            text(": ");
            append(e.getValue(), depth);
        } else if (v instanceof java.math.BigInteger b && b.bitLength() > 256) {
            text("int(" + b.bitLength() + " bits)"); // its decimal form would take superlinear time to build
        } else if (v instanceof Number || v instanceof Boolean || v instanceof Character) {
            text(String.valueOf(v).length() > maxChars ? String.valueOf(v).substring(0, maxChars + 1) : String.valueOf(v));
        } else {
            text("<" + v.getClass().getSimpleName() + ">");
        }
    }

    private void container(Object self, Iterator<?> items, int size, String open, String close, int depth) {
        if (path.containsKey(self)) {
            text("<cycle>");
            return;
        }
        if (depth >= MAX_DEPTH) {
            text(open + "..." + close);
            return;
        }
        path.put(self, Boolean.TRUE);
        text(open);
        int shown = 0;
        while (items.hasNext() && !full()) {
            if (shown == MAX_ELEMENTS) {
                text(", ... " + (size - shown) + " more");
                break;
            }
            if (shown > 0) text(", ");
            append(items.next(), depth + 1);
            shown++;
        }
        text(close);
        path.remove(self);
    }
}
