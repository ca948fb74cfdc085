package io.swin4j.cli;

import io.swin4j.infer.SwinPredictor;
import io.swin4j.io.AtomicFiles;
import io.swin4j.io.Npy;
import io.swin4j.io.Sha256Manifest;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.Safetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Pooled embeddings (the input of the head) of images.",
                "OUT.safetensors: tensor 'embeddings' (N, D); OUT.npy: (N, D) float32; OUT.csv: path then D values per row.",
                "safetensors and npy also get OUT.paths.txt, the image of each row, and OUT.sha256, the digests of both",
                "(written last: `sha256sum -c OUT.sha256` in their directory checks that the two are from one complete run).",
                "Failed images are skipped and reported."})
final class EmbedCommand extends WeightsCommand {

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Image files, directories (recursive) or globs.")
    List<String> inputs;

    @Option(names = "--output", required = true, paramLabel = "OUT", description = "OUT.safetensors, OUT.npy or OUT.csv.")
    Path output;

    @Mixin
    PredictorOptions predictor;

    @Override
    public Integer call() throws Exception {
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean csv = name.endsWith(".csv"), npy = name.endsWith(".npy");
        if (!csv && !npy && !name.endsWith(".safetensors")) {
            throw new IllegalArgumentException("--output must end in .safetensors, .npy or .csv: " + output);
        }
        List<Path> images = ImageInputs.expand(inputs);
        if (images.isEmpty()) throw new IllegalArgumentException("no images found in " + inputs);
        List<String> paths = new ArrayList<>();
        List<float[]> rows = new ArrayList<>();
        int failed;
        long start;
        try (SwinPredictor p = predictor.build(weights, err(), "embed");
             AtomicFiles.Pending csvFile = csv ? AtomicFiles.begin(output) : null;
             PrintWriter csvOut = csv ? new PrintWriter(new OutputStreamWriter(csvFile.stream(), StandardCharsets.UTF_8)) : null;
             BatchProgress progress = new BatchProgress("embed", images.size(), predictor.noProgress)) {
            start = System.nanoTime(); // the model is loaded: what follows is decoding and inference
            int[] bad = {0};
            p.pipeline(p.embedTask()).run(ImageInputs.sources(images), r -> {
                if (r.ok()) {
                    if (csvOut != null) {
                        StringBuilder sb = new StringBuilder(Csv.field(r.source()));
                        for (float v : r.value()) sb.append(',').append(v);
                        csvOut.println(sb);
                        csvOut.flush();
                    } else {
                        paths.add(r.source());
                        rows.add(r.value());
                    }
                } else {
                    bad[0]++;
                    err().println("error: " + r.error());
                }
                progress.step();
            });
            failed = bad[0];
            if (csvOut != null) {
                csvOut.flush();
                if (csvOut.checkError()) throw new IOException(output + ": cannot write the embeddings");
                csvFile.commit(); // the complete file replaces the old one; an interrupted run leaves the old one
            }
        }
        if (!csv && !rows.isEmpty()) writePair(output, npy, paths, rows);
        return Summary.report(err(), images.size(), failed, start);
    }

    /**
     * The tensor, then OUT.paths.txt, then OUT.sha256 (the digests of both, in sha256sum's format), each written
     * atomically and durably. The manifest comes last: a crash at any point leaves the old files, or files that do
     * not match the manifest ({@code sha256sum -c OUT.sha256} or Sha256Manifest.verify names the one that differs),
     * and never a complete-looking pair whose rows and paths belong to different runs.
     */
    static void writePair(Path output, boolean npy, List<String> paths, List<float[]> rows) throws IOException {
        int d = rows.get(0).length;
        float[] all = new float[rows.size() * d];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, all, i * d, d);
        HostTensor t = HostTensor.of(all, rows.size(), d);
        if (npy) Npy.write(output, t);
        else Safetensors.write(output, Map.of("embeddings", t), Map.of("format", "pt"), "F32");
        Path index = sibling(output, ".paths.txt");
        StringBuilder sb = new StringBuilder();
        for (String p : paths) sb.append(p).append(System.lineSeparator());
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(index, out -> out.write(bytes));
        Sha256Manifest.write(sibling(output, ".sha256"), List.of(output, index));
    }

    /** OUT.npy or OUT.safetensors → OUT + suffix. */
    static Path sibling(Path output, String suffix) {
        return output.resolveSibling(output.getFileName().toString().replaceFirst("\\.(npy|safetensors)$", "") + suffix);
    }
}
