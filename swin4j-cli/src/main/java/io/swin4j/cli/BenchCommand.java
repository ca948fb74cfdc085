package io.swin4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.bench.BenchResult;
import io.swin4j.bench.BenchTable;
import io.swin4j.bench.LeakReport;
import io.swin4j.bench.ModelBenchmark;
import io.swin4j.bench.PrecisionAgreement;
import io.swin4j.infer.LogitsAgreement;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.engine.Tensors;
import io.swin4j.model.FlopCount;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.train.data.Datasets;
import io.swin4j.train.data.LabeledDataset;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.weights.SwinWeights;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Inference throughput, memory, leak check and bf16 agreement of one model on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure inference speed: warm-up, then timed forward passes per batch size; prints img/s",
                "(median, min, max), latency p50/p95, achieved GFLOP/s (official MAC count × 2) and peak RSS.",
                "Run it through ./swin, which sets the thread pools; OPENBLAS_CORETYPE must be unset on AMD."})
final class BenchCommand extends WeightsCommand {

    @Option(names = "--model", defaultValue = "swin_tiny_patch4_window7_224", paramLabel = "PRESET",
            description = "Architecture preset, random weights (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--weights", paramLabel = "CKPT", description = "Measure this checkpoint instead of a preset.")
    Path weightsFile;

    @Option(names = "--batch", split = ",", defaultValue = "1,8,32", paramLabel = "N[,N...]",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batches;

    @Mixin
    PrecisionOption precision;

    @Option(names = "--threads", paramLabel = "N", description = "libtorch intra-op threads (default: OMP_NUM_THREADS).")
    int threads;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed runs per batch size (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--runs", defaultValue = "10", description = "At least this many timed runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--seconds", defaultValue = "10", description = "And at least this long per batch size (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--leak-check", paramLabel = "N", description = "Then run N consecutive batches of the first size and report RSS.")
    int leakBatches;

    @Option(names = "--agreement", paramLabel = "N",
            description = "Compare this precision's logits with fp32 on N inputs (Fashion-MNIST test images if installed, else noise).")
    int agreementInputs;

    @Mixin
    EngineOption engine;

    @Option(names = "--json", description = "One JSON object per line instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        for (int b : batches) if (b < 1) throw new IllegalArgumentException("--batch sizes must be >= 1, got " + b);
        if (runs < 1 || seconds < 0 || warmup < 0) throw new IllegalArgumentException("--runs >= 1, --seconds and --warmup >= 0");
        Precision p = precision.get(err(), "bench");
        PrintWriter out = out();
        ObjectMapper mapper = new ObjectMapper();
        String name = weightsFile != null ? weightsFile.getFileName().toString() : preset;
        if (!engine.name.equals(io.swin4j.infer.InferenceEngines.LIBTORCH)) return callEngine(p, out, mapper, name);
        try (SwinTransformer model = load(p)) {
            SwinConfig c = model.config();
            header(out, name, model.precisionLabel(), c);
            ModelBenchmark bench = new ModelBenchmark(model, name).optWarmupRuns(warmup).optMinRuns(runs)
                    .optMinSeconds(seconds).optTorchThreads(threads);
            bench.run(batches, rows(out, mapper));
            if (leakBatches > 0) {
                LeakReport leak = bench.leakCheck(batches[0], leakBatches, 20);
                out.println(json ? write(mapper, Map.of("leakCheck", leak)) : leak.describe());
            }
            if (agreementInputs > 0) {
                if (model.precision() == Precision.FP32) {
                    throw new IllegalArgumentException("--agreement compares a lower precision with fp32: add --precision bf16 or int8");
                }
                try (SwinTransformer reference = load(Precision.FP32)) {
                    Inputs inputs = inputs(c, agreementInputs);
                    LogitsAgreement.Result a = PrecisionAgreement.measure(reference, model, inputs::batch);
                    out.println(json ? write(mapper, Map.of("agreement", a, "inputs", inputs.source))
                            : model.precisionLabel() + " vs fp32 on " + inputs.source + ": " + a.describe());
                }
            }
        }
        return 0;
    }

    /** The throughput table through another engine (the model is handed to it). */
    private Integer callEngine(Precision p, PrintWriter out, ObjectMapper mapper, String name) throws IOException {
        if (leakBatches > 0 || agreementInputs > 0) {
            throw new IllegalArgumentException("--leak-check and --agreement measure the libtorch engine; drop --engine");
        }
        // the engine refuses a precision it cannot run (with the message every command gives)
        SwinTransformer model = load(p == null ? Precision.FP32 : p);
        SwinConfig c = model.config();
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try (io.swin4j.infer.InferenceEngine e = io.swin4j.infer.InferenceEngines.open(engine.name, model, c.imgSize(),
                c.imgSize(), t)) {
            header(out, name, e.precisionLabel() + " on " + e.name(), c);
            ModelBenchmark.runEngine(e, c, name, batches, warmup, runs, seconds, t, rows(out, mapper));
        }
        return 0;
    }

    /** The table's title and header (none with --json). */
    private void header(PrintWriter out, String name, String precision, SwinConfig c) {
        if (json) return;
        out.printf("%s: %s, %.3f G MACs per %dx%d image (official count)%n", name, precision, FlopCount.macs(c) / 1e9,
                c.imgSize(), c.imgSize());
        out.println(BenchTable.header());
        out.flush();
    }

    /** Prints each result as it comes: a table row, or a JSON line. */
    private java.util.function.Consumer<io.swin4j.bench.BenchResult> rows(PrintWriter out, ObjectMapper mapper) {
        return r -> {
            out.println(json ? write(mapper, r) : BenchTable.row(r));
            out.flush();
        };
    }

    /** The weights {@link #load} read (null for a preset's random weights). */
    private SwinWeights loaded;

    private SwinTransformer load(Precision p) throws IOException {
        if (weightsFile == null) return ModelBenchmark.randomModel(SwinConfig.preset(preset), p == null ? Precision.FP32 : p);
        SwinWeights w = SwinWeights.load(weights.resolve(weightsFile, err()), weights.toLoadOptions());
        loaded = w;
        return w.createModel(p);
    }


    private static String write(ObjectMapper mapper, Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Agreement inputs: real images where we have them (random weights and noise give near-ties). */
    private static final class Inputs {
        final String source;
        final List<float[]> images = new ArrayList<>();
        final int side, total;

        Inputs(String source, int side, int total) {
            this.source = source;
            this.side = side;
            this.total = total;
        }

        org.bytedeco.pytorch.Tensor batch(int i) {
            int batch = 16, start = i * batch;
            if (start >= total) return null;
            int n = Math.min(batch, total - start);
            if (images.isEmpty()) {
                torch.manual_seed(1000 + i);
                return torch.randn(n, 3, side, side);
            }
            return Tensors.batch(images.subList(start, start + n), 3, side, side);
        }
    }

    private Inputs inputs(SwinConfig c, int n) {
        int side = c.imgSize();
        try {
            LabeledDataset ds = Datasets.open("fashion-mnist", null, "test", null, new ImageDecoder()).limit(n);
            // the checkpoint's own preprocessing (its card's); a preset's random weights: HF's squash and ImageNet stats
            EvalPreset preset = loaded != null ? SwinPredictor.savedPreset(loaded) : EvalPreset.hf(side);
            Inputs in = new Inputs("the first " + ds.size() + " Fashion-MNIST test images (" + preset + ")", side, ds.size());
            for (int i = 0; i < ds.size(); i++) in.images.add(preset.apply(ds.image(i)));
            return in;
        } catch (IOException | RuntimeException e) {
            err().println("swin bench: no Fashion-MNIST (" + CliErrors.firstLine(e) + "); comparing on random noise");
            return new Inputs(n + " random-noise inputs", side, n);
        }
    }
}
