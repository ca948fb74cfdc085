package io.swin4j.cli;

import io.swin4j.infer.BundledModel;
import io.swin4j.infer.Quantizer;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.Quantization;
import io.swin4j.model.SwinTransformer;
import io.swin4j.quant.RangeMethod;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.weights.Int8Weights;
import io.swin4j.weights.SwinWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write an int8 model: weights int8 per output channel, and with --calibration static uint8 "
                + "activation ranges calibrated on sample images (else dynamic). Every command loads the file and runs "
                + "it in int8.")
final class QuantizeCommand extends WeightsCommand {

    @Option(names = "--weights", paramLabel = "CKPT", description = "The fp32 checkpoint (any layout; default: the bundled model).")
    Path weightsFile;

    @Option(names = "--calibration", paramLabel = "DIR",
            description = "Images to calibrate the activation ranges on (a directory, recursive); none: dynamic activations.")
    Path calibration;

    @Option(names = "--method", defaultValue = "minmax", paramLabel = "minmax|percentile|mse",
            description = "How calibration chooses each range (default: ${DEFAULT-VALUE}, the paper's PTQ).")
    String method;

    @Option(names = "--percentile", defaultValue = "99.99", paramLabel = "P",
            description = "For --method percentile: keep [100-P, P] percent of the values (default: ${DEFAULT-VALUE}).")
    double percentile;

    @Option(names = "--images", defaultValue = "512", paramLabel = "N",
            description = "Calibrate on at most N images, a seeded sample of the directory (default: ${DEFAULT-VALUE}).")
    int maxImages;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "Images per calibration pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--head", description = "Quantize the classifier head too (default: fp32).")
    boolean head;

    @Option(names = "--patch-embed", description = "Quantize the patch embedding too (default: fp32).")
    boolean patchEmbed;

    @Option(names = "--output", required = true, paramLabel = "Q.safetensors", description = "The int8 model file to write.")
    Path output;

    @Override
    public Integer call() throws Exception {
        RangeMethod m = RangeMethod.parse(method);
        if (maxImages < 1) throw new IllegalArgumentException("--images must be >= 1, got " + maxImages);
        Path file = weightsFile == null ? BundledModel.path() : weights.resolve(weightsFile, err());
        SwinWeights w = SwinWeights.load(file, weights.toLoadOptions());
        if (w.int8() != null) throw new IllegalArgumentException(file + " is already int8; quantize its fp32 checkpoint");
        Quantization spec = (calibration == null ? Quantization.dynamic() : Quantization.calibrated())
                .withHead(head).withPatchEmbed(patchEmbed);
        List<Path> images = List.of();
        if (calibration != null) {
            if (!java.nio.file.Files.isDirectory(calibration)) {
                throw new IllegalArgumentException("--calibration " + calibration + ": not a directory");
            }
            images = new ArrayList<>(ImageInputs.expand(List.of(calibration.toString())));
            if (images.isEmpty()) throw new IllegalArgumentException("--calibration " + calibration + ": no images found");
            Collections.shuffle(images, new Random(0));
            images = images.subList(0, Math.min(maxImages, images.size()));
        }
        PrintWriter out = out();
        EvalPreset preset = SwinPredictor.savedPreset(w);
        ImageDecoder decoder = new ImageDecoder();
        try (SwinTransformer model = w.createModel()) {
            long fp32Bytes = model.weightBytes();
            Quantizer.Report r = Quantizer.quantize(model, images, preset, decoder,
                    new Quantizer.Settings(spec, m, percentile, batchSize), null);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("source", weightsFile == null ? "bundled Fashion-MNIST model" : file.getFileName().toString());
            if (calibration != null) {
                info.put("method", m.toString().toLowerCase(java.util.Locale.ROOT));
                if (m == RangeMethod.PERCENTILE) info.put("percentile", percentile);
                info.put("calibration_images", r.images());
                info.put("preprocessing", preset.toString());
            }
            Int8Weights.save(output, w.card(), model, info);
            r.failures().forEach(f -> err().println("swin quantize: skipped " + f));
            out.printf("%s: %s, %d layers, weights %.1f MB -> %.1f MB%s%n", output, model.quantization(),
                    model.quantizedLayers(spec).size(), fp32Bytes / 1e6, model.weightBytes() / 1e6,
                    calibration == null ? "" : ", calibrated on " + r.images() + " images (" + info.get("method") + ")");
            out.flush();
            return r.failures().isEmpty() ? 0 : 1;
        }
    }
}
