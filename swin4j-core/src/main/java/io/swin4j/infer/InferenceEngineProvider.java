package io.swin4j.infer;

import io.swin4j.model.SwinTransformer;

/**
 * A named {@link InferenceEngine} found with {@link java.util.ServiceLoader} (register the implementation in
 * {@code META-INF/services/io.swin4j.infer.InferenceEngineProvider}).
 */
public interface InferenceEngineProvider {

    /** The name {@code SwinPredictor.Builder.optEngine} and {@code --engine} select it by. */
    String name();

    /**
     * An engine running {@code model} on inputs of {@code height}×{@code width}. The engine owns the model from here:
     * it closes it (at once, when it keeps its own copy of the weights, or when it is closed itself).
     *
     * @param threads intra-op threads (0: the engine's default)
     */
    InferenceEngine open(SwinTransformer model, int height, int width, int threads);
}
