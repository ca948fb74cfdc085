package io.swin4j.infer;

import io.swin4j.vision.LabelMap;
import io.swin4j.vision.Palette;
import io.swin4j.vision.RgbImage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * One image's segmentation: a class per pixel at the image's own size ({@link LabelMap}), the model's class names and
 * palette, the fraction of the image each class covers, and (when the task kept it) the image itself for an overlay.
 */
public final class Segmentation {

    /** One class present in the image: its index, name, share of the pixels and legend colour ("#rrggbb"). */
    public record ClassShare(int index, String label, double fraction, String color) {}

    private final LabelMap labels;
    private final List<String> classNames;
    private final Palette palette;
    private final RgbImage image;
    private final double[] fractions;

    /**
     * @param image the decoded input image (at {@code labels}' size), or null when the task did not keep it
     */
    public Segmentation(LabelMap labels, List<String> classNames, Palette palette, RgbImage image) {
        this.labels = Objects.requireNonNull(labels);
        this.classNames = List.copyOf(classNames);
        this.palette = Objects.requireNonNull(palette);
        if (image != null && (image.width() != labels.width() || image.height() != labels.height())) {
            throw new IllegalArgumentException("the image is " + image.width() + "x" + image.height()
                    + ", the label map " + labels.width() + "x" + labels.height());
        }
        this.image = image;
        this.fractions = labels.classFractions(this.classNames.size());
    }

    /** The class of each pixel, at the input image's size. */
    public LabelMap labels() { return labels; }

    public int width() { return labels.width(); }

    public int height() { return labels.height(); }

    /** The model's class names by index. */
    public List<String> classNames() { return classNames; }

    public Palette palette() { return palette; }

    /** The decoded input image, or null when the task was not asked to keep it. */
    public RgbImage image() { return image; }

    /** The fraction of the pixels of each class, by class index. */
    public double[] fractions() { return fractions.clone(); }

    /** The classes present in the image, largest share first (ties: lower index first). */
    public List<ClassShare> classes() {
        List<ClassShare> out = new ArrayList<>();
        for (int i = 0; i < fractions.length; i++) {
            if (fractions[i] > 0) out.add(new ClassShare(i, classNames.get(i), fractions[i], palette.hex(i)));
        }
        out.sort(Comparator.comparingDouble(ClassShare::fraction).reversed().thenComparingInt(ClassShare::index));
        return out;
    }

    /** The label map as an 8-bit palette PNG (pixel value = class index, coloured by the palette). */
    public byte[] labelPng() {
        return labels.toPalettePng(palette);
    }

    /**
     * The class colours blended over the image (mmseg's {@code show_result}).
     *
     * @throws IllegalStateException when the image was not kept ({@link SegmentTask#withImages})
     */
    public RgbImage overlay(double opacity) {
        if (image == null) throw new IllegalStateException("the segment task did not keep the image: no overlay");
        return labels.overlay(image, palette, opacity);
    }
}
