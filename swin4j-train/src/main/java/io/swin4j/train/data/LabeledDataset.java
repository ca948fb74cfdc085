package io.swin4j.train.data;

import io.swin4j.vision.RgbImage;

import java.io.IOException;
import java.util.List;

/** Images with class labels, read by index; implementations are safe for concurrent {@link #image} calls. */
public interface LabeledDataset {

    int size();

    /** Class names in index order. */
    List<String> classNames();

    int label(int index);

    /** Where sample {@code index} comes from, for error messages (a path, or "dataset[i]"). */
    String source(int index);

    RgbImage image(int index) throws IOException;

    /** The first {@code n} samples (all when n ≤ 0 or ≥ size): for quick runs and tests. */
    default LabeledDataset limit(int n) {
        if (n <= 0 || n >= size()) return this;
        LabeledDataset parent = this;
        return new LabeledDataset() {
            public int size() { return n; }
            public List<String> classNames() { return parent.classNames(); }
            public int label(int i) { return parent.label(check(i)); }
            public String source(int i) { return parent.source(check(i)); }
            public RgbImage image(int i) throws IOException { return parent.image(check(i)); }
            private int check(int i) {
                if (i < 0 || i >= n) throw new IndexOutOfBoundsException(i + " not in [0, " + n + ")");
                return i;
            }
        };
    }
}
