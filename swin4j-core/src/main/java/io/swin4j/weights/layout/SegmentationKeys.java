package io.swin4j.weights.layout;

import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SwinSegmenter;

import java.util.Map;

/**
 * The canonical names and shapes a segmentation config needs (BatchNorm running statistics included,
 * {@code num_batches_tracked} not): the declared {@link SwinSegmenter} tree's, as {@link CanonicalKeys} is for a
 * classifier.
 */
public final class SegmentationKeys {

    private SegmentationKeys() {}

    public static Map<String, long[]> expected(SegmentationConfig c) {
        return SwinSegmenter.parameterShapes(c);
    }
}
