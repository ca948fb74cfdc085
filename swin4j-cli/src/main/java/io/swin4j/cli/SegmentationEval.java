package io.swin4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.train.Charts;
import io.swin4j.train.data.SegmentationFolder;
import io.swin4j.train.segmentation.SegmentationEvalReport;
import io.swin4j.train.segmentation.SegmentationEvaluator;
import io.swin4j.train.segmentation.SegmentationModelFile;
import io.swin4j.vision.ImageDecoder;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code swin eval --task segmentation}: mIoU, mAcc, aAcc and per-class IoU/Acc of a segmentation checkpoint on a
 * folder's split (mmseg's single-scale test with the checkpoint's test scale and normalisation), as a table or JSON,
 * and the row-normalised confusion matrix as a PNG. Images that cannot be read are reported and skipped.
 */
final class SegmentationEval {

    private SegmentationEval() {}

    /** The inference mode: --mode (whole or slide with --crop and --stride), else the checkpoint's; --flip adds flipping. */
    static SegmentationMode mode(String mode, Integer crop, Integer stride, boolean flip, SegmentationMode saved) {
        SegmentationMode m;
        if (mode == null) {
            if (crop != null || stride != null) throw new IllegalArgumentException("--crop and --stride need --mode slide");
            m = saved;
        } else {
            m = switch (mode.toLowerCase(Locale.ROOT)) {
                case "whole" -> {
                    if (crop != null || stride != null) throw new IllegalArgumentException("--crop and --stride are for --mode slide");
                    yield SegmentationMode.whole();
                }
                case "slide" -> {
                    if (crop == null || stride == null || crop < 1 || stride < 1) {
                        throw new IllegalArgumentException("--mode slide needs --crop N and --stride N (>= 1)");
                    }
                    yield SegmentationMode.slide(crop, stride);
                }
                default -> throw new IllegalArgumentException("--mode must be whole or slide, got '" + mode + "'");
            };
        }
        return flip ? m.optFlip(true) : m;
    }

    /** Runs the evaluation; returns the exit status (0: every image scored; 1: some could not be read or none was). */
    static int run(Path weightsFile, io.swin4j.weights.LoadOptions loadOptions, Path data, String split, int limit, int workers, String mode,
                   Integer crop, Integer stride, boolean flip, boolean json, Path confusionPng, boolean progress,
                   PrintWriter out, PrintWriter err) throws Exception {
        if (data == null) throw new IllegalArgumentException("--data DIR is needed (DIR/images/" + split + ", DIR/masks/" + split + ")");
        SegmentationModelFile.Contents saved = SegmentationModelFile.load(weightsFile, loadOptions);
        List<String> classes = saved.classNames();
        SegmentationMode m = mode(mode, crop, stride, flip, saved.mode());
        SegmentationFolder folder = new SegmentationFolder(data, split, classes.size(), new ImageDecoder());
        int n = limit > 0 ? Math.min(limit, folder.size()) : folder.size();
        SegmentationEvalReport report;
        try (SwinSegmenter model = SwinSegmenter.fromWeights(saved.config(), saved.tensors(), false, 0);
             ProgressBar bar = progress && !json && System.console() != null
                     ? new ProgressBarBuilder().setTaskName("eval").setInitialMax(n).setUnit(" img", 1)
                     .setConsumer(new ConsoleProgressBarConsumer(System.err)).build() : null) {
            report = SegmentationEvaluator.evaluate(model, folder, limit, saved.preset(), m, classes, workers, k -> {
                if (bar != null) bar.stepBy(k);
            });
        }
        if (confusionPng != null) Charts.writeRowNormalisedConfusion(confusionPng, classes, report.metrics().confusion());
        String modeText = describe(m) + (saved.preset().scale() == null ? ", images at their own size"
                : ", test scale " + saved.preset().scale()[0] + "x" + saved.preset().scale()[1]);
        if (json) {
            Map<String, Object> facts = new java.util.LinkedHashMap<>();
            facts.put("weights", weightsFile.toString());
            facts.put("task", "segmentation");
            facts.put("data", data.toString());
            facts.put("split", split);
            facts.put("mode", modeText);
            facts.putAll(report.toMap());
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(facts));
        } else {
            printText(out, weightsFile, data, split, modeText, report);
        }
        for (String f : report.failures()) err.println("swin eval: skipped " + f);
        if (!report.failures().isEmpty()) err.println("swin eval: " + report.failures().size() + " images could not be read");
        out.flush();
        return report.images() > 0 && report.failures().isEmpty() ? 0 : 1;
    }

    static String describe(SegmentationMode m) {
        String s = m.kind() == SegmentationMode.Kind.WHOLE ? "whole"
                : "slide crop " + m.cropHeight() + "x" + m.cropWidth() + " stride " + m.strideHeight() + "x" + m.strideWidth();
        return m.flip() ? s + " + flip" : s;
    }

    private static void printText(PrintWriter out, Path weights, Path data, String split, String mode, SegmentationEvalReport r) {
        out.printf("%s on %s %s (%d images; %s)%n", weights, data, split, r.images(), mode);
        out.printf("mIoU %.2f%%  mAcc %.2f%%  aAcc %.2f%%%n", 100 * r.meanIou(), 100 * r.metrics().meanAccuracy(),
                100 * r.metrics().pixelAccuracy());
        List<String> classes = r.classes();
        int width = Math.max(5, classes.stream().mapToInt(String::length).max().orElse(5));
        double[] iou = r.metrics().iou(), acc = r.metrics().accuracy();
        long[][] cm = r.metrics().confusion();
        out.printf("  %-" + width + "s %8s %8s %12s%n", "class", "IoU", "Acc", "pixels");
        for (int c = 0; c < classes.size(); c++) {
            long pixels = 0;
            for (long v : cm[c]) pixels += v;
            out.printf("  %-" + width + "s %8s %8s %12d%n", classes.get(c), percent(iou[c]), percent(acc[c]), pixels);
        }
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "n/a" : String.format("%.2f%%", 100 * v);
    }
}
