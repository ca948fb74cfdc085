package io.swin4j.onnx.export;

import io.swin4j.model.SwinConfig;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How {@link SwinOnnxExporter} writes a graph.
 *
 * @param opset            the default-domain opset (17 or later: LayerNormalization)
 * @param ops              ONNX Runtime's fused contrib operators, or standard operators only
 * @param batch            the batch size of a static-batch graph (ignored with {@code dynamicBatch})
 * @param dynamicBatch     the batch dimension is symbolic ({@code batch})
 * @param dynamicSize      the input height and width are symbolic ({@code height}, {@code width}): the window indices,
 *                         shifts and masks are computed in the graph (V1, V2, Swin-MLP; models with an absolute
 *                         position embedding need their own fixed size)
 * @param height           input rows of a fixed-size graph (its window gather indices and biases are this size's)
 * @param width            input columns
 * @param normalizeInGraph the input is {@code pixels}, uint8 (B, H, W, 3) RGB already resized and cropped, and the
 *                         graph normalises it with {@code mean} and {@code std} (ToTensor then Normalize); else the
 *                         input is {@code images}, fp32 (B, 3, H, W) already normalised
 * @param mean             per-channel mean of the in-graph normalisation (null without it)
 * @param std              per-channel std of the in-graph normalisation (null without it)
 * @param outputs          the graph outputs
 */
public record OnnxExportOptions(int opset, Ops ops, int batch, boolean dynamicBatch, boolean dynamicSize, int height,
                                int width,
                                boolean normalizeInGraph, float[] mean, float[] std, Set<Output> outputs) {

    /** Which operators the graph may use. */
    public enum Ops {
        /**
         * ONNX Runtime's {@code com.microsoft} {@code MultiHeadAttention} with the folded bias as its attention bias,
         * where ONNX Runtime's own optimiser cannot fuse attention; for ONNX Runtime only.
         */
        CONTRIB,
        /** ai.onnx operators only (any conforming runtime; what onnx.checker accepts). */
        STANDARD
    }

    /** The graph outputs a caller can ask for. */
    public enum Output {
        /** {@code logits} (B, classes); a model without a head has none. */
        LOGITS,
        /** {@code embedding} (B, features): the final-normed tokens averaged, the head's input. */
        EMBEDDING,
        /** {@code stage0}..: each stage's output before its merge, NCHW, as {@code SwinOutput.stageFeatures}. */
        STAGE_FEATURES
    }

    public OnnxExportOptions {
        if (opset < 17) throw new IllegalArgumentException("opset must be >= 17 (LayerNormalization), got " + opset);
        Objects.requireNonNull(ops, "ops");
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        if (height < 1 || width < 1) throw new IllegalArgumentException("size must be positive, got " + height + "x" + width);
        if (normalizeInGraph && (mean == null || std == null || mean.length != 3 || std.length != 3)) {
            throw new IllegalArgumentException("in-graph normalisation needs 3 means and 3 stds");
        }
        if (outputs == null || outputs.isEmpty()) throw new IllegalArgumentException("no graph outputs asked for");
        outputs = Set.copyOf(outputs);
        mean = mean == null ? null : mean.clone();
        std = std == null ? null : std.clone();
    }

    /** Opset 17, contrib ops, dynamic batch, the config's image size, fp32 input, logits and embedding. */
    public static OnnxExportOptions defaults(SwinConfig config) {
        return new OnnxExportOptions(17, Ops.CONTRIB, 1, true, false, config.imgSize(), config.imgSize(), false, null, null,
                config.numClasses() > 0 ? EnumSet.of(Output.LOGITS, Output.EMBEDDING) : EnumSet.of(Output.EMBEDDING));
    }

    public OnnxExportOptions withOpset(int v) {
        return new OnnxExportOptions(v, ops, batch, dynamicBatch, dynamicSize, height, width, normalizeInGraph, mean, std, outputs);
    }

    public OnnxExportOptions withOps(Ops v) {
        return new OnnxExportOptions(opset, v, batch, dynamicBatch, dynamicSize, height, width, normalizeInGraph, mean, std, outputs);
    }

    /** A static batch of {@code n}. */
    public OnnxExportOptions withBatch(int n) {
        return new OnnxExportOptions(opset, ops, n, false, dynamicSize, height, width, normalizeInGraph, mean, std, outputs);
    }

    public OnnxExportOptions withDynamicBatch() {
        return new OnnxExportOptions(opset, ops, batch, true, dynamicSize, height, width, normalizeInGraph, mean, std, outputs);
    }

    /** One graph for any input height and width. */
    public OnnxExportOptions withDynamicSize() {
        return new OnnxExportOptions(opset, ops, batch, dynamicBatch, true, height, width, normalizeInGraph, mean, std, outputs);
    }

    /** A fixed input size of h×w. */
    public OnnxExportOptions withSize(int h, int w) {
        return new OnnxExportOptions(opset, ops, batch, dynamicBatch, false, h, w, normalizeInGraph, mean, std, outputs);
    }

    public OnnxExportOptions withNormalization(float[] m, float[] s) {
        return new OnnxExportOptions(opset, ops, batch, dynamicBatch, dynamicSize, height, width, true, m, s, outputs);
    }

    public OnnxExportOptions withOutputs(Set<Output> v) {
        return new OnnxExportOptions(opset, ops, batch, dynamicBatch, dynamicSize, height, width, normalizeInGraph, mean, std, v);
    }
}
