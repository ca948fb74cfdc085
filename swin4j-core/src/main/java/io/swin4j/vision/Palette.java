package io.swin4j.vision;

import java.util.Arrays;
import java.util.List;

/**
 * The colour of each class of a segmentation model, as RGB triples: the checkpoint's own ({@code PALETTE} in mmseg's
 * meta, a saved model card) or, when it has none, {@link #voc}: the PASCAL VOC colour map that most segmentation
 * tools use for unnamed classes (class 0 black, then well-separated colours from the bits of the index).
 */
public final class Palette {

    private final int[][] colors;

    private Palette(int[][] colors) {
        this.colors = colors;
    }

    /** {@code colors[i]} = {R, G, B} of class i, each 0..255. */
    public static Palette of(List<int[]> colors) {
        if (colors.isEmpty()) throw new IllegalArgumentException("a palette needs at least one colour");
        int[][] c = new int[colors.size()][];
        for (int i = 0; i < c.length; i++) {
            int[] rgb = colors.get(i);
            if (rgb.length != 3) throw new IllegalArgumentException("colour " + i + " has " + rgb.length + " values, not R, G, B");
            for (int v : rgb) {
                if (v < 0 || v > 255) throw new IllegalArgumentException("colour " + i + " " + Arrays.toString(rgb) + " is not 0..255");
            }
            c[i] = rgb.clone();
        }
        return new Palette(c);
    }

    /**
     * The PASCAL VOC colour map for {@code n} classes: the bits of the class index, three at a time, spread over
     * the high bits of R, G and B ({@code bitget} in the VOC development kit's {@code labelcolormap.m}).
     */
    public static Palette voc(int n) {
        if (n < 1) throw new IllegalArgumentException("classes must be >= 1, got " + n);
        int[][] c = new int[n][3];
        for (int i = 0; i < n; i++) {
            int r = 0, g = 0, b = 0, id = i;
            for (int j = 0; j < 8; j++) {
                r |= (id & 1) << (7 - j);
                g |= ((id >> 1) & 1) << (7 - j);
                b |= ((id >> 2) & 1) << (7 - j);
                id >>= 3;
            }
            c[i] = new int[] {r, g, b};
        }
        return new Palette(c);
    }

    public int size() { return colors.length; }

    /** {R, G, B} of class {@code i}; a class beyond the palette (or the ignore index) is black. */
    public int[] rgb(int i) {
        return i >= 0 && i < colors.length ? colors[i].clone() : new int[3];
    }

    /** The colours as a list of {R, G, B} (what a model card saves). */
    public List<int[]> colors() {
        return Arrays.stream(colors).map(int[]::clone).toList();
    }

    /** "#rrggbb" of class {@code i}, for legends. */
    public String hex(int i) {
        int[] c = rgb(i);
        return String.format("#%02x%02x%02x", c[0], c[1], c[2]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Palette p && Arrays.deepEquals(colors, p.colors);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(colors);
    }
}
