package io.swin4j.cli;

import io.swin4j.model.Precision;

import io.swin4j.infer.Labels;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.vision.EvalPreset;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Which model a predictor runs and how: shared by predict, embed and serve. */
final class ModelOptions {

    @Option(names = "--weights", paramLabel = "CKPT",
            description = "Checkpoint (any supported layout; default: the bundled Fashion-MNIST Swin).")
    Path weightsFile;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "Preprocessing: official_224, official_384, timm, timm_384, torchvision_swin_t, torchvision_swin_s, "
                    + "torchvision_swin_b, hf (default: the checkpoint source's).")
    String preset;

    @Option(names = "--labels", paramLabel = "FILE", description = "Class names: one per line, or JSON (list or index->name).")
    Path labels;

    @Option(names = "--threads", paramLabel = "N",
            description = "Intra-op threads: libtorch's (default: OMP_NUM_THREADS, which ./swin sets to the core count), "
                    + "or the ONNX Runtime session's with --engine onnxruntime (default: the core count).")
    Integer threads;

    @Mixin
    PrecisionOption precision;

    @Mixin
    EngineOption engine;

    /** A builder with these settings; the caller adds its own (batch size, decoder) and builds. */
    SwinPredictor.Builder builder(WeightsOptions weights, java.io.PrintWriter err, String command) throws IOException {
        Path weightsFile = weights.resolve(this.weightsFile, err);
        return configure((weightsFile != null ? SwinPredictor.builder(weightsFile) : SwinPredictor.builder())
                .optLoadOptions(weights.toLoadOptions().optPreset(null)), err, command);
    }

    /** As {@link #builder(WeightsOptions, java.io.PrintWriter, String)}, over weights the command already loaded. */
    SwinPredictor.Builder builder(io.swin4j.weights.SwinWeights loaded, java.io.PrintWriter err, String command)
            throws IOException {
        return configure(SwinPredictor.builder(loaded), err, command);
    }

    private SwinPredictor.Builder configure(SwinPredictor.Builder b, java.io.PrintWriter err, String command)
            throws IOException {
        if (preset != null) b.optPreset(EvalPreset.named(preset));
        if (labels != null) b.optLabels(Labels.read(labels));
        if (threads != null) b.optThreads(threads);
        b.optEngine(engine.name);
        Precision p = precision.get(err, command);
        return p == null ? b : b.optPrecision(p);
    }
}
