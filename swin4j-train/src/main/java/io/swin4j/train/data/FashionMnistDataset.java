package io.swin4j.train.data;

import io.swin4j.vision.RgbImage;

import java.util.List;

/** A Fashion-MNIST split as RGB images (grey replicated into R, G and B, as PIL's convert('RGB') does). */
public final class FashionMnistDataset implements LabeledDataset {

    private final FashionMnist.Split split;
    private final String name;

    public FashionMnistDataset(FashionMnist.Split split, String name) {
        this.split = split;
        this.name = name;
    }

    @Override public int size() { return split.count(); }

    @Override public List<String> classNames() { return FashionMnist.CLASSES; }

    @Override public int label(int index) { return split.label(index); }

    @Override public String source(int index) { return name + "[" + index + "]"; }

    @Override
    public RgbImage image(int index) {
        int n = split.rows() * split.cols();
        byte[] rgb = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            byte v = split.images()[index * n + i];
            rgb[3 * i] = v;
            rgb[3 * i + 1] = v;
            rgb[3 * i + 2] = v;
        }
        return new RgbImage(split.cols(), split.rows(), rgb);
    }
}
