package io.swin4j.onnx.export;

import io.swin4j.geometry.SizeRule;
import io.swin4j.onnx.export.Dims.Dim;
import io.swin4j.onnx.graph.GraphBuilder;

import java.util.List;

import static io.swin4j.onnx.graph.GraphBuilder.attr;
import static io.swin4j.onnx.graph.GraphBuilder.ints;

/**
 * A block's windows at a feature-map size known only at run time, computed in the graph with the formulas of
 * {@link io.swin4j.geometry.WindowGeometry} and {@link io.swin4j.geometry.WindowPlan#of}: the effective window and
 * shift of the size rule, the partition gather index (pad bottom/right, roll by −shift, partition), its reverse, and the
 * SW-MSA region mask. A static-size export takes the same values as constants from the model instead.
 */
final class InGraphWindows {

    /**
     * @param window    the effective window side
     * @param windows   windows per image (nW)
     * @param tokens    tokens per window (N = window²)
     * @param partition (nW·N) int64: each window token's source in the H·W map, H·W for padding
     * @param reverse   (H·W) int64: each position's index in the window sequence
     * @param mask      (nW, 1, N, N) fp32 additive mask (0 or −100) of a shifted block, else null
     */
    record Plan(Dim window, Dim windows, Dim tokens, String partition, String reverse, String mask) {}

    private final GraphBuilder g;
    private final Dims d;

    InGraphWindows(GraphBuilder g, Dims d) {
        this.g = g;
        this.d = d;
    }

    /** The cyclic-shift windows (V1, V2) of a block with configured window {@code m} at an h×w map. */
    Plan cyclic(Dim h, Dim w, int m, boolean shifted, SizeRule rule, float fill) {
        Dim big = Dim.of(m);
        // OFFICIAL: the window shrinks to min(H, W) where that is smaller (and then does not shift)
        Dim win = rule == SizeRule.OFFICIAL ? d.min(big, d.min(h, w)) : big;
        Dim[] shift = shifts(h, w, m, shifted, rule);
        Dim shiftH = shift[0], shiftW = shift[1];
        Dim hp = d.roundUp(h, win), wp = d.roundUp(w, win);
        Dim alongH = d.div(hp, win), alongW = d.div(wp, win);
        Dim tokens = d.mul(win, win);
        Dim windows = d.mul(alongH, alongW);

        // partition: rolled[y] = padded[(y + shift) mod size]; tokens past the map point at the zero token H·W
        String y = range(hp), x = range(wp);
        String sy = mod(g.op("Add", y, d.t(shiftH)), hp);
        String sx = mod(g.op("Add", x, d.t(shiftW)), wp);
        String src = g.op("Add", g.op("Mul", col(sy), d.t(w)), row(sx));
        String valid = g.op("And", col(g.op("Less", sy, d.t(h))), row(g.op("Less", sx, d.t(w))));
        String grid = g.op("Where", valid, src, d.t(d.mul(h, w)));
        String partition = windowOrder(grid, alongH, alongW, win);

        // reverse: position (i, j) sits at rolled (i − shift) mod size
        String yy = mod(g.op("Add", g.op("Sub", range(h), d.t(shiftH)), d.t(hp)), hp);
        String xx = mod(g.op("Add", g.op("Sub", range(w), d.t(shiftW)), d.t(wp)), wp);
        String reverse = sequenceIndex(yy, xx, win, tokens, alongW);

        String mask = null;
        if (shifted) {
            // region per rolled row/column: [0, size−window) 0, [size−window, size−shift) 1, [size−shift, size) 2; none
            // without a shift
            String labels = g.op("Add", g.op("Mul", col(regions(y, hp, win, shiftH)), g.shape(3)), row(regions(x, wp, win, shiftW)));
            String perWindow = windowOrder(labels, alongH, alongW, win);
            String byWindow = g.op("Reshape", perWindow, d.shape(windows, tokens));
            String same = g.op("Equal", g.op("Unsqueeze", byWindow, g.shape(2)), g.op("Unsqueeze", byWindow, g.shape(1)));
            mask = g.op("Unsqueeze", g.op("Where", same, g.scalar(0f), g.scalar(fill)), g.shape(1));
        }
        return new Plan(win, windows, tokens, partition, reverse, mask);
    }

    /**
     * Swin-MLP's zero-padded shifted windows ({@link io.swin4j.geometry.ZeroPaddedWindows}) of a block with window
     * {@code m} at an h×w map: pad bottom/right to a window multiple, then (M−s, s) on a shifted axis; no roll, no
     * mask. The window stays M (the spatial MLP is M²×M²).
     */
    Plan zeroPadded(Dim h, Dim w, int m, boolean shifted, SizeRule rule) {
        Dim big = Dim.of(m), zero = Dim.of(0);
        Dim[] shift = shifts(h, w, m, shifted, rule);
        Dim shiftH = shift[0], shiftW = shift[1];
        Dim top = d.whereGreater(shiftH, zero, d.sub(big, shiftH), zero);
        Dim left = d.whereGreater(shiftW, zero, d.sub(big, shiftW), zero);
        Dim hp = d.add(d.roundUp(h, big), d.whereGreater(shiftH, zero, big, zero));
        Dim wp = d.add(d.roundUp(w, big), d.whereGreater(shiftW, zero, big, zero));
        Dim alongH = d.div(hp, big), alongW = d.div(wp, big);

        // partition: padded (y, x) holds map (y − top, x − left), the zero token H·W outside the map
        String sy = g.op("Sub", range(hp), d.t(top)), sx = g.op("Sub", range(wp), d.t(left));
        String src = g.op("Add", g.op("Mul", col(sy), d.t(w)), row(sx));
        String insideH = g.op("And", g.op("GreaterOrEqual", sy, g.shape(0)), g.op("Less", sy, d.t(h)));
        String insideW = g.op("And", g.op("GreaterOrEqual", sx, g.shape(0)), g.op("Less", sx, d.t(w)));
        String grid = g.op("Where", g.op("And", col(insideH), row(insideW)), src, d.t(d.mul(h, w)));
        String partition = windowOrder(grid, alongH, alongW, big);

        // reverse: map (i, j) sits at padded (i + top, j + left)
        String yy = g.op("Add", range(h), d.t(top)), xx = g.op("Add", range(w), d.t(left));
        String reverse = sequenceIndex(yy, xx, big, Dim.of((long) m * m), alongW);
        return new Plan(big, d.mul(alongH, alongW), Dim.of((long) m * m), partition, reverse, null);
    }

    /**
     * The shift per axis of a block at an h×w map under the size rule ({@code WindowPlan.of},
     * {@code ZeroPaddedWindows.blockPlan}): OFFICIAL none where min(H, W) ≤ M, TORCHVISION none on an axis the window
     * covers, PADDED always M/2 (of a shifted block).
     */
    private Dim[] shifts(Dim h, Dim w, int m, boolean shifted, SizeRule rule) {
        Dim big = Dim.of(m), zero = Dim.of(0), s = Dim.of(shifted ? m / 2 : 0);
        if (rule == SizeRule.OFFICIAL) {
            Dim both = d.whereGreater(d.min(h, w), big, s, zero);
            return new Dim[] {both, both};
        }
        if (rule == SizeRule.TORCHVISION) return new Dim[] {d.whereGreater(h, big, s, zero), d.whereGreater(w, big, s, zero)};
        return new Dim[] {s, s};
    }

    /**
     * For positions at padded rows {@code yy} and columns {@code xx} (1-D each), their index in the window sequence,
     * (y / win · windowsAlongW + x / win) · tokens + (y mod win) · win + x mod win, flattened row-major.
     */
    private String sequenceIndex(String yy, String xx, Dim win, Dim tokens, Dim alongW) {
        String window = g.op("Add", g.op("Mul", col(g.op("Div", yy, d.t(win))), d.t(alongW)), row(g.op("Div", xx, d.t(win))));
        String token = g.op("Add", g.op("Mul", col(mod(yy, win)), d.t(win)), row(mod(xx, win)));
        return g.op("Reshape", g.op("Add", g.op("Mul", window, d.t(tokens)), token), g.shape(-1));
    }

    private String regions(String coords, Dim size, Dim win, Dim shift) {
        String afterWindow = cast(g.op("GreaterOrEqual", coords, d.t(d.sub(size, win))));
        String afterShift = cast(g.op("GreaterOrEqual", coords, d.t(d.sub(size, shift))));
        String shifting = cast(g.op("Greater", d.t(shift), g.shape(0)));
        return g.op("Mul", g.op("Add", afterWindow, afterShift), shifting);
    }

    private String cast(String boolValue) {
        return g.op("Cast", List.of(boolValue), attr("to", 7L)); // INT64
    }

    private String mod(String a, Dim b) {
        return g.op("Mod", List.of(a, d.t(b)), attr("fmod", 0L));
    }

    /** An (hp, wp) grid in window order: (nWh, win, nWw, win) → (nWh, nWw, win, win), flattened. */
    private String windowOrder(String grid, Dim alongH, Dim alongW, Dim win) {
        String four = g.op("Reshape", grid, d.shape(alongH, win, alongW, win));
        return g.op("Reshape", g.op("Transpose", List.of(four), ints("perm", 0L, 2L, 1L, 3L)), g.shape(-1));
    }

    /** 0, 1, ..., n−1 as int64. */
    private String range(Dim n) {
        String limit = g.op("Squeeze", d.t(n), g.shape(0));
        return g.op("Range", g.scalarLong(0), limit, g.scalarLong(1));
    }

    private String col(String v) { return g.op("Unsqueeze", v, g.shape(1)); }

    private String row(String v) { return g.op("Unsqueeze", v, g.shape(0)); }
}
