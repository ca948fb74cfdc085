package io.swin4j.cli;

import io.swin4j.infer.Labels;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Flags shared by the commands that run a predictor on image files. */
final class PredictorOptions {

    @Option(names = "--weights", paramLabel = "CKPT",
            description = "Checkpoint (any supported layout; default: the bundled Fashion-MNIST Swin).")
    Path weightsFile;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "Preprocessing: official_224, official_384, timm, timm_384, torchvision_swin_t, torchvision_swin_s, "
                    + "torchvision_swin_b, hf (default: the checkpoint source's).")
    String preset;

    @Option(names = "--labels", paramLabel = "FILE", description = "Class names: one per line, or JSON (list or index->name).")
    Path labels;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "Refuse images with more pixels (decompression bombs; default: Pillow's 89,478,485).")
    Long maxPixels;

    @Option(names = "--threads", paramLabel = "N",
            description = "libtorch intra-op threads (default: OMP_NUM_THREADS; ./swin sets 1 and gives OpenBLAS the cores).")
    Integer threads;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    @Mixin
    PrecisionOption precision;

    SwinPredictor build(WeightsOptions weights, java.io.PrintWriter err, String command) throws IOException {
        SwinPredictor.Builder b = (weightsFile != null ? SwinPredictor.builder(weightsFile) : SwinPredictor.builder()).optBatchSize(batchSize)
                .optLoadOptions(weights.toLoadOptions().optPreset(null));
        if (preset != null) b.optPreset(EvalPreset.named(preset));
        if (labels != null) b.optLabels(Labels.read(labels));
        if (maxPixels != null) b.optDecoder(new ImageDecoder(maxPixels));
        if (threads != null) b.optThreads(threads);
        b.optPrecision(precision.get(err, command));
        return b.build();
    }
}
