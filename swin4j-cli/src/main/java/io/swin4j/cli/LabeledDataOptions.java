package io.swin4j.cli;

import io.swin4j.infer.BundledModel;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.train.data.DataLoader;
import io.swin4j.train.data.Datasets;
import io.swin4j.train.data.LabeledDataset;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.weights.SwinWeights;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * A checkpoint and a labelled dataset to run it on, with the checkpoint's preprocessing: the options {@code swin eval}
 * and {@code swin outliers} share.
 */
final class LabeledDataOptions {

    @Option(names = "--weights", paramLabel = "CKPT",
            description = "Checkpoint (any supported layout; default: the bundled Fashion-MNIST Swin).")
    Path weightsFile;
    @Option(names = "--dataset", paramLabel = "KIND",
            description = "folder (root/val/<class>/...) or fashion-mnist (default: folder).")
    String dataset;
    @Option(names = "--data", paramLabel = "DIR", description = "Dataset root (Fashion-MNIST: default $SWIN4J_DATA, then Debian's).")
    Path data;
    @Option(names = "--split", defaultValue = "val", description = "val/test (the held-out split) or train (default: ${DEFAULT-VALUE}).")
    String split;
    @Option(names = "--preset", paramLabel = "NAME", description = "Preprocessing preset; default: the one saved with the model, else the source's.")
    String preset;
    @Option(names = "--workers", defaultValue = "2", description = "Decoding threads.")
    int workers;

    /** The checkpoint to load (the bundled model when none was given), resolved through the registry. */
    Path weights(WeightsOptions options, PrintWriter err) throws IOException {
        return options.resolve(weightsFile == null ? BundledModel.path() : weightsFile, err);
    }

    String datasetKind() { return dataset == null ? "folder" : dataset; }

    /** The preprocessing: --preset, else the checkpoint's own. */
    EvalPreset preset(SwinWeights w) {
        return preset != null ? EvalPreset.named(preset) : SwinPredictor.savedPreset(w);
    }

    LabeledDataset open() throws IOException {
        return Datasets.open(datasetKind(), data, split, null, new ImageDecoder());
    }

    /** What was run on what, the head of a JSON report: weights, dataset, split, preset (a mutable map to add to). */
    java.util.Map<String, Object> facts(Path weightsFile, EvalPreset p) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("weights", weightsFile.toString());
        m.put("dataset", datasetKind());
        m.put("split", split);
        m.put("preset", p.toString());
        return m;
    }

    /** The eval-order loader of {@code ds} preprocessed with {@code p}. */
    DataLoader loader(LabeledDataset ds, EvalPreset p, int batchSize) {
        return new DataLoader(ds, (img, rng) -> p.apply(img), 3 * p.height() * p.width(), batchSize, false, false, 0, workers);
    }
}
