package io.swin4j.cli;

import io.swin4j.infer.ClassifyTask;
import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.pipeline.Result;
import io.swin4j.pipeline.ResultJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Classify images: top-k labels per image, streamed as each batch finishes.",
                "Unreadable images are reported on stderr and skipped; the exit status is 1 if any failed."})
final class PredictCommand extends WeightsCommand {

    enum Format { text, json, csv }

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Image files, directories (recursive) or globs.")
    List<String> inputs;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "Classes per image (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FMT",
            description = "text, json (one JSON object per line) or csv (default: ${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--output", paramLabel = "FILE", description = "Write results here instead of stdout.")
    Path output;

    @Mixin
    PredictorOptions predictor;

    @Override
    public Integer call() throws Exception {
        List<Path> images = ImageInputs.expand(inputs);
        if (images.isEmpty()) throw new IllegalArgumentException("no images found in " + inputs);
        try (SwinPredictor p = predictor.build(weights, err(), "predict");
             PrintWriter sink = output == null ? null : new PrintWriter(Files.newBufferedWriter(output));
             BatchProgress progress = new BatchProgress("predict", images.size(), predictor.noProgress)) {
            long start = System.nanoTime(); // the model is loaded: what follows is decoding and inference
            PrintWriter w = sink != null ? sink : out();
            if (format == Format.csv) w.println("path,rank,index,label,probability");
            int[] failed = {0};
            ClassifyTask task = p.classifyTask(topK);
            p.pipeline(task).run(ImageInputs.sources(images), r -> {
                if (r.ok()) write(w, r, task);
                else {
                    failed[0]++;
                    err().println("error: " + r.error());
                }
                w.flush(); // streamed: what is written survives a crash later on
                progress.step();
            });
            return Summary.report(err(), images.size(), failed[0], start);
        }
    }

    private void write(PrintWriter w, Result<List<Prediction>> r, ClassifyTask task) {
        String source = r.source();
        List<Prediction> top = r.value();
        switch (format) {
            case json -> w.println(ResultJson.line(r, task));
            case csv -> {
                for (int i = 0; i < top.size(); i++) {
                    Prediction pr = top.get(i);
                    w.println(Csv.field(source) + "," + (i + 1) + "," + pr.index() + "," + Csv.field(pr.label()) + ","
                            + String.format(Locale.ROOT, "%.8g", pr.probability()));
                }
            }
            default -> {
                StringBuilder sb = new StringBuilder(source);
                for (Prediction pr : top) {
                    sb.append(String.format(Locale.ROOT, "\t%s (%d) %.4f", pr.label(), pr.index(), pr.probability()));
                }
                w.println(sb);
            }
        }
    }
}
