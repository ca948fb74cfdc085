package io.swin4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.swin4j.infer.Labels;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinTransformer;
import io.swin4j.train.Charts;
import io.swin4j.train.EvalReport;
import io.swin4j.train.Evaluator;
import io.swin4j.train.data.DataLoader;
import io.swin4j.train.data.LabeledDataset;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.SwinWeights;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** {@code swin eval}: accuracy of a checkpoint on a labelled dataset. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a checkpoint on a labelled dataset: top-1/top-5, loss, per-class accuracy and the confusion matrix.",
                "--task segmentation: mIoU, mAcc, aAcc and per-class IoU/Acc of a segmentation checkpoint on DIR/images/SPLIT +",
                "DIR/masks/SPLIT (whole image or --mode slide --crop N --stride N; --confusion: row-normalised matrix).",
                "Exit 0 when every image was evaluated; 1 when some could not be read (they are skipped, listed at the end, and",
                "the report covers the others) or when the evaluation could not run."})
public final class EvalCommand extends WeightsCommand {

    @Mixin LabeledDataOptions input;
    @Option(names = "--batch-size", defaultValue = "64") int batchSize;
    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N samples.") int limit;
    @Option(names = "--json", description = "Print the report as JSON.") boolean json;
    @Option(names = "--confusion", paramLabel = "PNG", description = "Write the confusion matrix as a PNG (up to 20 classes).")
    Path confusionPng;
    @Option(names = "--no-progress", description = "No progress bar.") boolean noProgress;
    @Mixin PrecisionOption precision;
    @Option(names = "--task", paramLabel = "TASK", description = "classification (default) or segmentation.") String task = "classification";
    @Option(names = "--mode", paramLabel = "MODE", description = "Segmentation: whole or slide (default: the checkpoint's).") String mode;
    @Option(names = "--crop", paramLabel = "N", description = "Segmentation, slide mode: crop size.") Integer crop;
    @Option(names = "--stride", paramLabel = "N", description = "Segmentation, slide mode: stride.") Integer stride;
    @Option(names = "--flip", description = "Segmentation: also the mirrored image (probabilities averaged).") boolean flip;

    static final int MAX_MATRIX_CLASSES = 20;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        if (isSegmentation()) {
            if (input.weightsFile == null) throw new IllegalArgumentException("--task segmentation needs --weights CKPT");
            if (input.dataset != null && !input.dataset.equals("folder")) {
                throw new IllegalArgumentException("--task segmentation reads a folder (DIR/images/SPLIT, DIR/masks/SPLIT), not " + input.dataset);
            }
            if (input.preset != null) throw new IllegalArgumentException("--preset is for classifiers; a segmentation checkpoint has its test pipeline");
            if (precision.value != null && Precision.parse(precision.value) != Precision.FP32) {
                throw new IllegalArgumentException("segmentation evaluates in fp32 (--precision " + precision.value + " is for classifiers)");
            }
            return SegmentationEval.run(input.weights(weights, err()), weights.toLoadOptions(), input.data, input.split, limit, input.workers, mode, crop,
                    stride, flip, json, confusionPng, !noProgress, out, err());
        }
        if (mode != null || crop != null || stride != null || flip) {
            throw new IllegalArgumentException("--mode, --crop, --stride and --flip are segmentation options (--task segmentation)");
        }
        Precision dtype = precision.get(err(), "eval");
        Path weightsFile = input.weights(weights, err());
        SwinWeights w = SwinWeights.load(weightsFile, weights.toLoadOptions());
        EvalPreset p = input.preset(w);
        Labels saved = SwinPredictor.savedLabels(w);
        LabeledDataset ds = input.open().limit(limit);
        List<String> classes = ds.classNames();
        if (classes.size() != w.config().numClasses()) {
            throw new IllegalArgumentException(weightsFile + " has " + w.config().numClasses() + " classes but the dataset has "
                    + classes.size() + " " + classes);
        }
        if (!saved.source().equals("numbered") && !saved.names().equals(classes)) {
            err().println("swin eval: note: the model's class names " + saved.names() + " differ from the dataset's " + classes
                    + "; scoring by index");
        }
        if (confusionPng != null && classes.size() > MAX_MATRIX_CLASSES) {
            throw new IllegalArgumentException("--confusion draws up to " + MAX_MATRIX_CLASSES + " classes; the dataset has " + classes.size()
                    + " (the JSON report has the full matrix)");
        }
        EvalReport report;
        String precisionUsed;
        try (SwinTransformer model = w.createModel(dtype);
             // a bf16 or int8 model is scored against its fp32 self as well (agreement, logits error)
             SwinTransformer reference = model.precision() == Precision.FP32 ? null
                     : w.createModel(Precision.FP32);
             DataLoader loader = input.loader(ds, p, batchSize);
             ProgressBar bar = !noProgress && !json && System.console() != null
                     ? new ProgressBarBuilder().setTaskName("eval").setInitialMax(ds.size()).setUnit(" img", 1)
                     .setConsumer(new ConsoleProgressBarConsumer(System.err)).build() : null) {
            precisionUsed = model.precisionLabel();
            report = Evaluator.evaluate(model, reference, loader, classes, n -> {
                if (bar != null) bar.stepBy(n);
            });
        }
        if (confusionPng != null) Charts.writeConfusion(confusionPng, classes, report.confusion());
        if (json) {
            Map<String, Object> m = input.facts(weightsFile, p);
            m.put("precision", precisionUsed);
            m.putAll(report.toMap());
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        } else {
            printText(out, weightsFile, report, p, precisionUsed);
        }
        for (String f : report.failures()) err().println("swin eval: skipped " + f);
        if (!report.failures().isEmpty()) err().println("swin eval: " + report.failures().size() + " images could not be read");
        out.flush();
        return report.count() > 0 && report.failures().isEmpty() ? 0 : 1;
    }

    private boolean isSegmentation() {
        return switch (task.toLowerCase(java.util.Locale.ROOT)) {
            case "classification", "classify" -> false;
            case "segmentation", "segment" -> true;
            default -> throw new IllegalArgumentException("--task must be classification or segmentation, got '" + task + "'");
        };
    }

    private void printText(PrintWriter out, Path weightsFile, EvalReport r, EvalPreset p, String precision) {
        out.printf("%s on %s %s (%d images, preprocessing %s)%n", weightsFile, input.datasetKind(), input.split, r.count(), p);
        out.printf("top-1 %.2f%%  top-5 %.2f%%  loss %.4f  (%s)%n", 100 * r.top1(), 100 * r.top5(), r.loss(), precision);
        if (r.agreement() != null) out.println("vs fp32: " + r.agreement().describe());
        List<String> classes = r.classes();
        int width = Math.max(5, classes.stream().mapToInt(String::length).max().orElse(5));
        double[] acc = r.perClassAccuracy();
        long[][] cm = r.confusion();
        out.println("per class:");
        for (int c = 0; c < classes.size(); c++) {
            long n = 0;
            for (long v : cm[c]) n += v;
            out.printf("  %-" + width + "s %7s  (%d images)%n", classes.get(c), Double.isNaN(acc[c]) ? "n/a" : String.format("%.2f%%", 100 * acc[c]), n);
        }
        if (classes.size() <= MAX_MATRIX_CLASSES) {
            out.println("confusion matrix (rows: true class, columns: predicted, in the order above):");
            for (int t = 0; t < classes.size(); t++) {
                StringBuilder sb = new StringBuilder("  ");
                for (int q = 0; q < classes.size(); q++) sb.append(String.format("%6d", cm[t][q]));
                out.println(sb);
            }
        }
    }
}
