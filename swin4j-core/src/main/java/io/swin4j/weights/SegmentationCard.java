package io.swin4j.weights;

import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.vision.SegmentationPreset;

import java.util.Objects;

/**
 * The segmentation part of a {@link ModelCard}: the head config, the colour of each class and the test mode the
 * checkpoint was evaluated with (mmseg's {@code test_cfg}), and the test preprocessing it was trained for when the
 * file says (a model trained by swin4j: its resize scale or native size, mean and std).
 *
 * @param palette one RGB triple (0..255) per class
 * @param preset  the test transform the model was trained for; null: the file does not say (the predictor's rule)
 */
public record SegmentationCard(SegmentationConfig config, int[][] palette, SegmentationMode mode,
                               SegmentationPreset preset) {

    /** A card without a saved preset. */
    public SegmentationCard(SegmentationConfig config, int[][] palette, SegmentationMode mode) {
        this(config, palette, mode, null);
    }

    /** The same card with the test transform {@code p} (null: none). */
    public SegmentationCard withPreset(SegmentationPreset p) {
        return new SegmentationCard(config, palette, mode, p);
    }

    public SegmentationCard {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(palette, "palette");
        if (palette.length != config.numClasses()) {
            throw new IllegalArgumentException(palette.length + " palette colours for a model of " + config.numClasses()
                    + " classes");
        }
        int[][] copy = new int[palette.length][];
        for (int i = 0; i < palette.length; i++) {
            if (palette[i] == null || palette[i].length != 3) {
                throw new IllegalArgumentException("palette entry " + i + " is not an RGB triple");
            }
            for (int v : palette[i]) {
                if (v < 0 || v > 255) throw new IllegalArgumentException("palette entry " + i + " has a value outside 0..255");
            }
            copy[i] = palette[i].clone();
        }
        palette = copy;
    }

    @Override
    public int[][] palette() {
        int[][] copy = new int[palette.length][];
        for (int i = 0; i < palette.length; i++) copy[i] = palette[i].clone();
        return copy;
    }
}
