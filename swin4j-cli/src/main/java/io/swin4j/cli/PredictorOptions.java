package io.swin4j.cli;

import io.swin4j.infer.SwinPredictor;
import io.swin4j.vision.ImageLimits;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;

/** Flags shared by the commands that run a predictor on image files. */
final class PredictorOptions {

    @Mixin
    ModelOptions model;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    ImageLimitOptions imageLimits;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    SwinPredictor build(WeightsOptions weights, java.io.PrintWriter err, String command) throws IOException {
        SwinPredictor.Builder b = model.builder(weights, err, command).optBatchSize(batchSize);
        return b.optLimits(limits()).build();
    }

    /** The decoder's limits: the defaults, with what the flags change. */
    ImageLimits limits() {
        return imageLimits.limits();
    }
}
