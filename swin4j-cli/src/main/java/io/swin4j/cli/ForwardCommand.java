package io.swin4j.cli;

import io.swin4j.io.Npy;
import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.weights.ModelCard;
import org.bytedeco.javacpp.PointerScope;
import java.util.List;
import io.swin4j.model.SwinTransformer;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.SwinWeights;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * Raw tensor in, raw tensor out: the black-box interface for parity checks. Keep its flags and files stable.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Run a checkpoint on an NCHW float32 .npy tensor and write the result as .npy.",
                "Writes the logits to OUT (the pooled embedding with --embedding, or when the model has no head;",
                "a segmentation checkpoint: its logits (B, classes, H, W) at the input's size, whole image);",
                "--features also writes stage i's output (NCHW, before its patch merging) to OUT-stage<i>.npy."})
final class ForwardCommand extends WeightsCommand {

    @Option(names = "--weights", required = true, paramLabel = "CKPT", description = "Checkpoint (any supported layout).")
    Path weightsFile;

    @Option(names = "--input", required = true, paramLabel = "X.npy", description = "Input, float32 (B, C, H, W).")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "Y.npy", description = "Where to write the result.")
    Path output;

    @Option(names = "--embedding", description = "Write the pooled embedding instead of the logits.")
    boolean embedding;

    @Option(names = "--features", description = "Also write each stage's feature map to OUT-stage<i>.npy.")
    boolean features;

    @Mixin
    PrecisionOption precision;

    @Override
    public Integer call() throws Exception {
        HostTensor x = Npy.read(input);
        if (x.rank() != 4) {
            throw new IllegalArgumentException(input + ": expected an NCHW tensor of rank 4, got shape " + x.shapeString());
        }
        Precision p = precision.get(err(), "forward");
        SwinWeights w = SwinWeights.load(weights.resolve(weightsFile, err()), weights.toLoadOptions());
        w.report().notes().forEach(n -> err().println("note: " + n));
        if (w.task() == ModelCard.Task.SEGMENTATION) return segmentation(w, x, p);
        try (SwinTransformer model = w.createModel(p);
             Tensor in = Tensors.fromHost(x);
             SwinOutput out = model.forward(in, features ? ForwardOptions.withStageFeatures() : ForwardOptions.DEFAULT)) {
            Tensor main = embedding || out.logits() == null ? out.embedding() : out.logits();
            Npy.write(output, Tensors.toHost(main));
            for (int i = 0; i < out.stageFeatures().size(); i++) {
                Npy.write(stagePath(output, i), Tensors.toHost(out.stageFeatures().get(i)));
            }
        }
        return 0;
    }

    /**
     * A segmentation checkpoint: the logits (B, classes, H, W) at the input's size (whole image, mmseg's
     * {@code encode_decode}); {@code --features}: the backbone's normed stage outputs the heads read.
     */
    private int segmentation(SwinWeights w, HostTensor x, Precision p) {
        if (embedding) throw new IllegalArgumentException("--embedding is for classifiers; a segmentation model gives logits per pixel");
        if (p != null && p != Precision.FP32) throw new IllegalArgumentException("segmentation models run in fp32 only");
        try (SwinSegmenter model = w.createSegmenter(); PointerScope scope = new PointerScope()) {
            Tensor in = Tensors.fromHost(x);
            try (Tensor logits = model.forward(in)) {
                Npy.write(output, Tensors.toHost(logits));
            }
            if (features) {
                List<Tensor> maps = model.backboneFeatures(in); // the caller's to close
                try {
                    for (int i = 0; i < maps.size(); i++) Npy.write(stagePath(output, i), Tensors.toHost(maps.get(i)));
                } finally {
                    maps.forEach(Tensor::close);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return 0;
    }

    static Path stagePath(Path output, int stage) {
        String name = output.getFileName().toString();
        String base = name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
        return output.resolveSibling(base + "-stage" + stage + ".npy");
    }
}
