package io.swin4j.train;

/** The records a run keeps per epoch (metrics log, curves, checkpoint state). */
public final class TrainHistory {

    private TrainHistory() {}

    /**
     * One finished epoch (0-based). Accuracy is top-1 in [0, 1]; train figures are over the augmented (and, with
     * Mixup, mixed) batches against the true labels; NaN where not measured (e.g. no evaluation this epoch).
     */
    public record Epoch(int epoch, long optimizerSteps, double trainLoss, double trainTop1, double valLoss,
                        double valTop1, double valTop5, double emaTop1, double lr, double seconds,
                        double imagesPerSecond, int failedSamples) {}
}
