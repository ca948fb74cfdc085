package io.swin4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.infer.SegmentTask;
import io.swin4j.infer.Segmentation;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.pipeline.Result;
import io.swin4j.pipeline.ResultJson;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.weights.SwinWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

@Command(name = "segment", mixinStandardHelpOptions = true,
        description = {"Semantic segmentation with a UPerNet-Swin checkpoint: per image <name>_label.png (class index per "
                + "pixel, palette PNG) and <name>_overlay.png (the class colours over the image) in --output, and "
                + "segments.jsonl there (size and class fractions per image).",
                "Unreadable images are reported at the end and skipped; the exit status is 1 if any failed."})
final class SegmentCommand extends WeightsCommand {

    /** The JSON Lines file of a run, in the output folder. */
    static final String JSONL = "segments.jsonl";

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Image files, directories (recursive) or globs.")
    List<String> inputs;

    @Option(names = "--weights", paramLabel = "CKPT", description = "Segmentation checkpoint (required: none is bundled).")
    Path weightsFile;

    @Option(names = "--output", defaultValue = ".", paramLabel = "DIR", description = "Output folder (default: the current one).")
    Path output;

    @Option(names = "--opacity", defaultValue = "0.5", paramLabel = "A", description = "Overlay opacity 0..1 (default: ${DEFAULT-VALUE}).")
    double opacity;

    @Option(names = "--batch-size", defaultValue = "4", paramLabel = "N",
            description = "Images per forward pass; only images of one size share one (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads.")
    Integer threads;

    @Mixin
    ImageLimitOptions imageLimits;

    @Mixin
    SegmentOptions segment;

    private SegmentationPredictor predictor(Path ckpt) throws IOException {
        SegmentationPredictor.Builder b = segment.builder(SwinWeights.load(ckpt, weights.toLoadOptions()))
                .optBatchSize(batchSize).optDecoder(new ImageDecoder(imageLimits.limits()));
        return (threads != null ? b.optThreads(threads) : b).build();
    }

    @Override
    public Integer call() throws Exception {
        if (!(opacity >= 0 && opacity <= 1)) throw new IllegalArgumentException("--opacity must be in [0, 1], got " + opacity);
        Path ckpt = SegmentOptions.weights(weightsFile, weights, err());
        List<Path> images = ImageInputs.expand(inputs);
        if (images.isEmpty()) throw new IllegalArgumentException("no images found in " + inputs);
        Files.createDirectories(output);
        List<String> failures = new ArrayList<>();
        long start;
        try (SegmentationPredictor p = predictor(ckpt);
             PrintWriter jsonl = new PrintWriter(Files.newBufferedWriter(output.resolve(JSONL)));
             BatchProgress progress = new BatchProgress("segment", images.size(), noProgress)) {
            p.weights().report().notes().forEach(n -> err().println("note: " + n));
            start = System.nanoTime(); // the model is loaded: what follows is decoding and inference
            SegmentTask task = p.segmentTask().withImages(true);
            Set<String> used = new HashSet<>();
            p.pipeline(task).run(ImageInputs.sources(images), r -> {
                try {
                    if (r.ok()) write(r, task, jsonl, used);
                    else failures.add(r.error());
                } catch (IOException e) {
                    failures.add(r.source() + ": cannot write its output: " + e.getMessage());
                }
                progress.step();
            });
        }
        for (String f : failures) err().println("error: " + f); // at the end, after the progress bar
        return Summary.report(err(), images.size(), failures.size(), start);
    }

    private void write(Result<Segmentation> r, SegmentTask task, PrintWriter jsonl, Set<String> used) throws IOException {
        String base = uniqueBase(Path.of(r.source()), used);
        Path label = output.resolve(base + "_label.png"), overlay = output.resolve(base + "_overlay.png");
        Segmentation s = r.value();
        Files.write(label, s.labelPng());
        Files.write(overlay, s.overlay(opacity).toPng());
        ObjectNode o = (ObjectNode) ResultJson.MAPPER.readTree(ResultJson.line(r, task));
        o.put("label", label.getFileName().toString()).put("overlay", overlay.getFileName().toString());
        jsonl.println(ResultJson.MAPPER.writeValueAsString(o));
        jsonl.flush(); // streamed: what is written survives a crash later on
        StringBuilder line = new StringBuilder(r.source()).append('\t').append(s.width()).append('x').append(s.height());
        List<Segmentation.ClassShare> classes = s.classes();
        for (int i = 0; i < classes.size(); i++) {
            line.append(i == 0 ? "\t" : ", ").append(classes.get(i).label())
                    .append(String.format(java.util.Locale.ROOT, " %.1f%%", 100 * classes.get(i).fraction()));
        }
        out().println(line.append("\t-> ").append(label.getFileName()).append(", ").append(overlay.getFileName()));
        out().flush();
    }

    /** The file's name without its extension; a second image of that name gets "_2", and so on. */
    static String uniqueBase(Path source, Set<String> used) {
        String n = source.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String base = dot > 0 ? n.substring(0, dot) : n;
        String candidate = base;
        for (int i = 2; !used.add(candidate); i++) candidate = base + "_" + i;
        return candidate;
    }
}
