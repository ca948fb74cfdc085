package io.swin4j.bench;

import io.swin4j.infer.InferenceEngine;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.model.FlopCount;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Inference throughput of a swin4j model: for each batch size, a fixed random input, warm-up, then timed
 * forward passes that end with the logits copied to Java (what a caller pays). Preprocessing is not timed.
 * Weights do not change the speed, so a preset runs with random weights.
 */
public final class ModelBenchmark {

    private final SwinTransformer model;
    private final String name;
    private int warmupRuns = 3, minRuns = 10;
    private double minSeconds = 10;
    private int torchThreads;

    /** @param model an eval-mode model at the precision to measure; not closed here */
    public ModelBenchmark(SwinTransformer model, String name) {
        this.model = model;
        this.name = name;
    }

    public ModelBenchmark optWarmupRuns(int n) { warmupRuns = n; return this; }
    public ModelBenchmark optMinRuns(int n) { minRuns = n; return this; }
    public ModelBenchmark optMinSeconds(double s) { minSeconds = s; return this; }
    /** libtorch's intra-op threads (process-wide); 0 keeps the default (OMP_NUM_THREADS). */
    public ModelBenchmark optTorchThreads(int n) { torchThreads = n; return this; }

    /** A random-weight model of a preset (seeded), at {@code precision}. */
    public static SwinTransformer randomModel(SwinConfig config, Precision precision) {
        return SwinTransformer.create(config, 0).optPrecision(precision);
    }

    public List<BenchResult> run(int[] batches, Consumer<BenchResult> each) {
        NativeTorch.ensureLoaded();
        if (torchThreads > 0) torch.set_num_threads(torchThreads);
        int side = model.config().imgSize();
        double macs = FlopCount.macs(model.config());
        List<BenchResult> results = new ArrayList<>();
        for (int batch : batches) {
            try (PointerScope scope = new PointerScope()) {
                torch.manual_seed(batch);
                Tensor input = torch.randn(batch, 3, side, side);
                ThroughputStats stats = Timing.measure(batch, warmupRuns, minRuns, minSeconds, () -> forward(input));
                BenchResult r = BenchResult.of("swin4j", name, model.precisionLabel(),
                        BenchResult.threadSettings(torch.get_num_threads()), side, macs, stats);
                results.add(r);
                if (each != null) each.accept(r);
            }
        }
        return results;
    }

    /**
     * The same measurement through an {@link InferenceEngine} other than libtorch (e.g. onnxruntime): a fixed random
     * input per batch size, warm-up, timed calls that end with the class probabilities (or embeddings) in Java.
     *
     * @param threads the engine's threads, for the label
     */
    public static List<BenchResult> runEngine(InferenceEngine engine, SwinConfig config, String name, int[] batches,
                                              int warmup, int minRuns, double minSeconds, int threads,
                                              Consumer<BenchResult> each) {
        int side = config.imgSize();
        double macs = FlopCount.macs(config);
        boolean head = config.numClasses() > 0;
        List<BenchResult> results = new ArrayList<>();
        for (int batch : batches) {
            java.util.Random r = new java.util.Random(batch);
            float[] data = new float[batch * 3 * side * side];
            for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
            io.swin4j.tensor.HostTensor input = io.swin4j.tensor.HostTensor.of(data, batch, 3, side, side);
            InferenceEngine.Want want = new InferenceEngine.Want(head, !head, false);
            ThroughputStats stats = Timing.measure(batch, warmup, minRuns, minSeconds,
                    () -> engine.run(input, want));
            BenchResult b = BenchResult.of("swin4j-" + engine.name(), name, engine.precisionLabel(),
                    engine.name() + " intra-op=" + threads, side, macs, stats);
            results.add(b);
            if (each != null) each.accept(b);
        }
        return results;
    }

    /** One forward pass, logits to Java, every native temporary freed before returning. */
    private float[] forward(Tensor input) {
        try (PointerScope scope = new PointerScope(); SwinOutput out = model.forward(input)) {
            return Tensors.toFloats(out.logits() != null ? out.logits() : out.embedding());
        }
    }

    /**
     * Runs {@code batches} forward passes and samples the resident memory: a leak shows as growth that keeps
     * going after the warm-up (the allocator's pools fill during it).
     */
    public LeakReport leakCheck(int batch, int batches, int warmupBatches) {
        NativeTorch.ensureLoaded();
        if (torchThreads > 0) torch.set_num_threads(torchThreads);
        int side = model.config().imgSize();
        int samples = Math.min(10, batches), every = Math.max(1, batches / samples);
        long[] rss = new long[samples + 1];
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(0);
            Tensor input = torch.randn(batch, 3, side, side);
            for (int i = 0; i < warmupBatches; i++) forward(input);
            rss[0] = ProcessMemory.rssBytes();
            long start = System.nanoTime();
            for (int i = 1; i <= batches; i++) {
                forward(input);
                if (i % every == 0 && i / every <= samples) rss[i / every] = ProcessMemory.rssBytes();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return LeakReport.of(name, batch, batches, warmupBatches, rss, seconds);
        }
    }
}
