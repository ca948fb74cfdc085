package io.swin4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.swin4j.model.SwinTransformer;
import io.swin4j.train.data.DataLoader;
import io.swin4j.train.data.LabeledDataset;
import io.swin4j.train.outliers.OutlierAnalysis;
import io.swin4j.train.outliers.OutlierCharts;
import io.swin4j.train.outliers.OutlierReport;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.SwinWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code swin outliers}: activation-outlier statistics of a checkpoint per block (issue 19). */
@Command(name = "outliers", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure activation outliers per block (Bondarenko et al. 2023):",
                "the infinity norm max|x| and the kurtosis E[(x-mu)^4]/(sigma^4+1e-6)",
                "of each block's output and FFN output, averaged over samples, and",
                "the attention mass heads put on a single token. Prints a table and",
                "'max ||x||inf X, average kurtosis K' (of the block outputs).",
                "Exit 0 when every image was measured; 1 when some could not be read",
                "or the measurement could not run."})
public final class OutliersCommand extends WeightsCommand {

    @Mixin LabeledDataOptions input;
    @Option(names = "--batches", defaultValue = "10", paramLabel = "N", description = "Batches to measure (default: ${DEFAULT-VALUE}).")
    int batches;
    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "B", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--output", paramLabel = "DIR", description = "Write outliers.json and the PNG plots (one per block, summary.png, attention.png) here.")
    Path output;
    @Option(names = "--json", description = "Print the report as JSON.") boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        if (batches < 1) throw new IllegalArgumentException("--batches must be at least 1; got " + batches);
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be at least 1; got " + batchSize);
        if (input.dataset == null && input.data == null) {
            throw new IllegalArgumentException("give --data DIR (an image folder) or --dataset fashion-mnist");
        }
        if (output != null && Files.exists(output) && !Files.isDirectory(output)) {
            throw new IllegalArgumentException(output + ": --output must be a directory");
        }
        Path weightsFile = input.weights(weights, err());
        SwinWeights w = SwinWeights.load(weightsFile, weights.toLoadOptions());
        EvalPreset p = input.preset(w);
        LabeledDataset ds = input.open().limit(batches * batchSize);
        List<String> failures = new ArrayList<>();
        long start = System.nanoTime();
        OutlierReport report;
        try (SwinTransformer model = w.createModel();
             DataLoader loader = input.loader(ds, p, batchSize)) {
            report = OutlierAnalysis.run(model, loader, batches, null, failures::add);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> m = input.facts(weightsFile, p);
        m.put("seconds", seconds);
        m.putAll(report.toMap());
        String jsonText = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        if (output != null) {
            OutlierCharts.write(output, report);
            io.swin4j.io.AtomicFiles.write(output.resolve("outliers.json"), o -> o.write(jsonText.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        if (json) out.println(jsonText);
        else printText(out, weightsFile, report, p, seconds);
        for (String f : failures) err().println("swin outliers: skipped " + f);
        if (!failures.isEmpty()) err().println("swin outliers: " + failures.size() + " images could not be read");
        out.flush();
        return failures.isEmpty() ? 0 : 1;
    }

    private void printText(PrintWriter out, Path weightsFile, OutlierReport r, EvalPreset p, double seconds) {
        out.printf("%s on %s %s (%d images, preprocessing %s, %.1f s)%n", weightsFile, input.datasetKind(), input.split,
                r.samples(), p, seconds);
        int width = r.blocks().stream().mapToInt(b -> b.name().length()).max().orElse(5);
        out.printf("%-" + width + "s  %10s  %10s  %9s  %9s  %s%n", "block", "‖x‖∞ out", "‖x‖∞ FFN", "kurt out",
                "kurt FFN", "single-token attention mass per head (mean max prob)");
        for (OutlierReport.Block b : r.blocks()) {
            StringBuilder heads = new StringBuilder();
            if (b.headMaxProb() == null) heads.append("-");
            else for (double v : b.headMaxProb()) heads.append(String.format(" %.2f", v));
            out.printf("%-" + width + "s  %10.3f  %10.3f  %9.3f  %9.3f  %s%n", b.name(), b.blockInfNorm(), b.ffnInfNorm(),
                    b.blockKurtosis(), b.ffnKurtosis(), heads.toString().strip());
        }
        out.printf("max ‖x‖∞ %.3f, average kurtosis %.3f%n", r.maxInfNorm(), r.averageKurtosis());
    }
}
