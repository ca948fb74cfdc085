package io.swin4j.cli;

import io.swin4j.infer.BundledModel;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.export.OnnxExportOptions;
import io.swin4j.onnx.export.SwinOnnxExporter;
import io.swin4j.onnx.proto.Onnx;
import io.swin4j.vision.EvalPreset;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a classifier or embedder as an ONNX graph of swin4j's own making: one Gather per window "
                + "partition and reverse, one folded attention bias per block, ONNX Runtime's fused attention (--ops "
                + "contrib, default) or standard operators only (--ops standard, for any runtime).")
final class ExportCommand extends WeightsCommand {

    @Option(names = "--weights", paramLabel = "CKPT",
            description = "Checkpoint (any supported layout; default: the bundled Fashion-MNIST Swin).")
    Path weightsFile;

    @Option(names = "--format", defaultValue = "onnx", paramLabel = "onnx", description = "Output format (onnx).")
    String format;

    @Option(names = {"--output", "-o"}, required = true, paramLabel = "FILE", description = "The graph to write.")
    Path output;

    @Option(names = "--opset", defaultValue = "17", paramLabel = "N", description = "ONNX opset, >= 17 (default: ${DEFAULT-VALUE}).")
    int opset;

    @Option(names = "--ops", defaultValue = "contrib", paramLabel = "contrib|standard",
            description = "contrib: ONNX Runtime's MultiHeadAttention (ONNX Runtime only); standard: ai.onnx operators only "
                    + "(default: ${DEFAULT-VALUE}).")
    String ops;

    @Option(names = "--dynamic-batch", description = "A symbolic batch dimension (default: the fixed --batch).")
    boolean dynamicBatch;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "N", description = "The fixed batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--dynamic-size", description = "Any input height and width in one graph: window plans computed in "
            + "the graph (V1, V2, Swin-MLP; absolute position embeddings need a fixed --size).")
    boolean dynamicSize;

    @Option(names = "--size", paramLabel = "HxW", description = "Input size (default: the model's image size).")
    String size;

    @Option(names = "--normalize", description = "Input uint8 pixels (B, H, W, 3), already resized and cropped; the graph "
            + "normalises them with the checkpoint preprocessing's mean and std.")
    boolean normalize;

    @Option(names = "--outputs", split = ",", paramLabel = "NAME[,NAME...]",
            description = "Graph outputs: logits, embedding, stages (default: logits,embedding; embedding alone for a "
                    + "model without a head).")
    List<String> outputs;

    @Override
    public Integer call() throws Exception {
        if (!format.equalsIgnoreCase("onnx")) {
            throw new IllegalArgumentException("--format: only onnx is written, got '" + format + "'");
        }
        if (dynamicSize && size != null) throw new IllegalArgumentException("--dynamic-size and --size exclude each other");
        OnnxExportOptions.Ops mode = switch (ops.toLowerCase(Locale.ROOT)) {
            case "contrib" -> OnnxExportOptions.Ops.CONTRIB;
            case "standard" -> OnnxExportOptions.Ops.STANDARD;
            default -> throw new IllegalArgumentException("--ops must be contrib or standard, got '" + ops + "'");
        };
        Path file = weightsFile != null ? weights.resolve(weightsFile, err()) : BundledModel.path();
        SwinWeights w = SwinWeights.load(file, weights.toLoadOptions());
        if (w.task() == ModelCard.Task.SEGMENTATION) {
            throw new IllegalArgumentException(file + " is a segmentation checkpoint; export writes classifiers and "
                    + "embedders (the Swin backbone with its head)");
        }
        OnnxExportOptions o = OnnxExportOptions.defaults(w.config()).withOpset(opset).withOps(mode)
                .withOutputs(outputs(w.config().numClasses() > 0));
        if (size != null) {
            int[] hw = SegmentOptions.size("--size", size);
            o = o.withSize(hw[0], hw[1]);
        }
        if (dynamicSize) o = o.withDynamicSize();
        o = dynamicBatch ? o.withDynamicBatch() : o.withBatch(batch);
        if (normalize) {
            EvalPreset preset = SwinPredictor.savedPreset(w);
            o = o.withNormalization(preset.mean(), preset.std());
        }
        Onnx.ModelProto m;
        try (SwinTransformer model = w.createModel(null)) {
            m = SwinOnnxExporter.write(model, o, output);
        }
        var out = out();
        out.printf("wrote %s: %s, %s, %d nodes, %.1f MB, opset %d, %s ops%n", output, w.config().name(),
                w.config().family(), m.getGraph().getNodeCount(), Files.size(output) / 1e6, opset,
                mode.name().toLowerCase(Locale.ROOT));
        out.println("  inputs:  " + describe(m.getGraph().getInputList()));
        out.println("  outputs: " + describe(m.getGraph().getOutputList()));
        out.flush();
        return 0;
    }

    private EnumSet<OnnxExportOptions.Output> outputs(boolean head) {
        EnumSet<OnnxExportOptions.Output> set = EnumSet.noneOf(OnnxExportOptions.Output.class);
        if (outputs == null) {
            if (head) set.add(OnnxExportOptions.Output.LOGITS);
            set.add(OnnxExportOptions.Output.EMBEDDING);
            return set;
        }
        for (String s : outputs) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "logits" -> {
                    if (!head) throw new IllegalArgumentException("--outputs logits: the model has no classifier head");
                    set.add(OnnxExportOptions.Output.LOGITS);
                }
                case "embedding" -> set.add(OnnxExportOptions.Output.EMBEDDING);
                case "stages" -> set.add(OnnxExportOptions.Output.STAGE_FEATURES);
                default -> throw new CommandLine.ParameterException(spec.commandLine(),
                        "--outputs: unknown output '" + s + "' (choose logits, embedding, stages)");
            }
        }
        return set;
    }

    private static String describe(List<Onnx.ValueInfoProto> values) {
        StringBuilder b = new StringBuilder();
        for (Onnx.ValueInfoProto v : values) {
            if (b.length() > 0) b.append(", ");
            b.append(v.getName()).append(" (");
            List<Onnx.TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
            for (int i = 0; i < dims.size(); i++) {
                if (i > 0) b.append('x');
                b.append(dims.get(i).hasDimParam() ? dims.get(i).getDimParam() : String.valueOf(dims.get(i).getDimValue()));
            }
            b.append(')');
        }
        return b.toString();
    }
}
