package io.swin4j.infer;

import io.swin4j.tensor.HostTensor;

import java.util.List;

/**
 * What runs a predictor's forward pass: libtorch (the default, {@code "libtorch"}) or another runtime found on the
 * class path ({@link InferenceEngineProvider}, e.g. swin4j-onnx's {@code "onnxruntime"}). Inputs are preprocessed
 * CHW images, outputs host data, so no engine's native types reach the predictor's callers. Implementations are
 * thread-safe: concurrent {@link #run} calls share one engine.
 */
public interface InferenceEngine extends AutoCloseable {

    /** The engine's name ({@code libtorch}, {@code onnxruntime}). */
    String name();

    /**
     * One forward pass.
     *
     * @param images (count, 3, height, width), normalised as the predictor's preset does
     * @param want   what to return
     */
    Outputs run(HostTensor images, Want want);

    /** What a call asks for. */
    record Want(boolean probabilities, boolean embeddings, boolean stageFeatures) {}

    /**
     * @param probabilities (count, classes) softmax of the logits, or null when not asked for (or no head)
     * @param embeddings    (count, features), or null when not asked for
     * @param stageFeatures each stage's (count, C, H, W) map; empty when not asked for
     */
    record Outputs(HostTensor probabilities, HostTensor embeddings, List<HostTensor> stageFeatures) {}

    /** Whether this engine can return attention probabilities (the attention task): only libtorch can. */
    default boolean hasAttentionMaps() {
        return false;
    }

    /** "fp32", "int8 dynamic", ...: the precision the engine computes in. */
    String precisionLabel();

    @Override
    void close();
}
