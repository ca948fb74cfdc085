package io.swin4j.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Semantic-segmentation scores accumulated over a dataset as mmseg's {@code IoUMetric} computes them: per class the
 * intersection and union of prediction and label summed over all images (pixels labelled {@code ignoreIndex} not
 * counted), IoU = intersection / union, per-class accuracy = intersection / labelled pixels of the class, mIoU and mAcc
 * their means over the classes that occur (a class with no labelled or predicted pixel is NaN and left out of the
 * mean), aAcc = correct pixels / labelled pixels. The pixel confusion matrix (rows: label, columns: prediction) is kept.
 */
public final class SegmentationMetrics {

    private final List<String> classes;
    private final int ignoreIndex;
    private final long[][] confusion;

    public SegmentationMetrics(List<String> classes, int ignoreIndex) {
        this.classes = List.copyOf(classes);
        this.ignoreIndex = ignoreIndex;
        this.confusion = new long[classes.size()][classes.size()];
    }

    /** Adds one image: predicted and true class per pixel (same length; labels may hold the ignore index). */
    public void add(int[] predicted, int[] label) {
        if (predicted.length != label.length) {
            throw new IllegalArgumentException(predicted.length + " predicted pixels for " + label.length + " labelled");
        }
        int k = classes.size();
        for (int i = 0; i < label.length; i++) {
            int t = label[i];
            if (t == ignoreIndex) continue;
            int p = predicted[i];
            if (t < 0 || t >= k || p < 0 || p >= k) {
                throw new IllegalArgumentException("pixel " + i + ": label " + t + ", prediction " + p + " outside [0, " + k + ")");
            }
            confusion[t][p]++;
        }
    }

    public long[][] confusion() {
        long[][] out = new long[confusion.length][];
        for (int i = 0; i < out.length; i++) out[i] = confusion[i].clone();
        return out;
    }

    /** Per class: intersection / union, NaN where the class is neither labelled nor predicted. */
    public double[] iou() {
        int k = classes.size();
        double[] out = new double[k];
        for (int c = 0; c < k; c++) {
            long labelled = 0, predicted = 0;
            for (int j = 0; j < k; j++) {
                labelled += confusion[c][j];
                predicted += confusion[j][c];
            }
            long union = labelled + predicted - confusion[c][c];
            out[c] = union == 0 ? Double.NaN : (double) confusion[c][c] / union;
        }
        return out;
    }

    /** Per class: correct / labelled pixels of the class, NaN where none is labelled. */
    public double[] accuracy() {
        int k = classes.size();
        double[] out = new double[k];
        for (int c = 0; c < k; c++) {
            long labelled = 0;
            for (int j = 0; j < k; j++) labelled += confusion[c][j];
            out[c] = labelled == 0 ? Double.NaN : (double) confusion[c][c] / labelled;
        }
        return out;
    }

    public double meanIou() { return nanMean(iou()); }

    public double meanAccuracy() { return nanMean(accuracy()); }

    /** Correct pixels over labelled pixels (mmseg's aAcc); NaN before any labelled pixel. */
    public double pixelAccuracy() {
        long correct = 0, all = 0;
        for (int c = 0; c < confusion.length; c++) {
            correct += confusion[c][c];
            for (long v : confusion[c]) all += v;
        }
        return all == 0 ? Double.NaN : (double) correct / all;
    }

    private static double nanMean(double[] v) {
        double sum = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                sum += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The facts for a JSON report: aAcc, mIoU, mAcc, and per class IoU and accuracy ("n/a" for NaN). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("aAcc", pixelAccuracy());
        m.put("mIoU", meanIou());
        m.put("mAcc", meanAccuracy());
        Map<String, Object> perClass = new LinkedHashMap<>();
        double[] iou = iou(), acc = accuracy();
        for (int c = 0; c < classes.size(); c++) {
            perClass.put(classes.get(c), Map.of("IoU", Double.isNaN(iou[c]) ? "n/a" : iou[c],
                    "Acc", Double.isNaN(acc[c]) ? "n/a" : acc[c]));
        }
        m.put("perClass", perClass);
        return m;
    }
}
