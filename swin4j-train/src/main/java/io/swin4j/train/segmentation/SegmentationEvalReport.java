package io.swin4j.train.segmentation;

import io.swin4j.train.SegmentationMetrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scores of a segmentation model on a dataset ({@link SegmentationMetrics}: mIoU, mAcc, aAcc, per class, the
 * pixel confusion matrix) with the images scored and those that could not be read ("source: reason").
 */
public record SegmentationEvalReport(SegmentationMetrics metrics, List<String> classes, int images, List<String> failures,
                                     double seconds) {

    public SegmentationEvalReport {
        classes = List.copyOf(classes);
        failures = List.copyOf(failures);
    }

    public double meanIou() { return metrics.meanIou(); }

    /** The JSON facts: images, failures, aAcc, mIoU, mAcc, per class IoU/Acc, the confusion matrix. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", images);
        m.put("failed", failures.size());
        m.putAll(metrics.toMap());
        m.put("classes", classes);
        m.put("confusion", metrics.confusion());
        if (!failures.isEmpty()) m.put("failures", failures);
        return m;
    }
}
