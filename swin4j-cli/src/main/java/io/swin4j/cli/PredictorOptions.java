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

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "Refuse images with more pixels (decompression bombs; default: Pillow's 89,478,485).")
    Long maxPixels;

    @Option(names = "--max-image-bytes", paramLabel = "N",
            description = "Refuse image files larger than this (default: 268,435,456 = 256 MiB).")
    Long maxImageBytes;

    @Option(names = "--max-aspect-ratio", paramLabel = "R",
            description = "Refuse images whose longer side is more than R times the shorter (default: 100).")
    Double maxAspectRatio;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    SwinPredictor build(WeightsOptions weights, java.io.PrintWriter err, String command) throws IOException {
        SwinPredictor.Builder b = model.builder(weights, err, command).optBatchSize(batchSize);
        return b.optLimits(limits()).build();
    }

    /** The decoder's limits: the defaults, with what the flags change. */
    ImageLimits limits() {
        ImageLimits l = ImageLimits.DEFAULTS;
        if (maxPixels != null) l = l.withMaxPixels(maxPixels);
        if (maxImageBytes != null) l = l.withMaxFileBytes(maxImageBytes);
        if (maxAspectRatio != null) l = l.withMaxAspectRatio(maxAspectRatio);
        return l;
    }
}
