package io.swin4j.onnx.runtime;

import io.swin4j.infer.InferenceEngine;
import io.swin4j.infer.InferenceEngineProvider;
import io.swin4j.model.SwinTransformer;

/** Registers {@link OnnxRuntimeEngine} as {@code onnxruntime} for {@code SwinPredictor.Builder.optEngine}. */
public final class OnnxRuntimeEngineProvider implements InferenceEngineProvider {

    @Override
    public String name() { return OnnxRuntimeEngine.NAME; }

    @Override
    public InferenceEngine open(SwinTransformer model, int height, int width, int threads) {
        return new OnnxRuntimeEngine(model, height, width, threads);
    }
}
