package io.swin4j.spark;

import java.io.Serializable;

/**
 * What every executor needs to run the model, shipped with the tasks (small and serializable); also the key of
 * the executor's model cache, so two transforms with the same weights and preprocessing share one model.
 *
 * @param weights        URI or path of the checkpoint every executor can read; null for the bundled model
 * @param preset         preprocessing name ({@code EvalPreset.named}); null for the checkpoint's own
 * @param maxPixels      decoded pixel limit per image
 * @param threadsPerTask compute threads per task ({@code spark.task.cpus})
 * @param precision      fp32, bf16 or int8 ({@code Precision.parse}); null for the weights' own
 * @param engine         the inference engine ({@code libtorch}, {@code onnxruntime}); null for libtorch
 */
record SparkInferenceSettings(String weights, String preset, long maxPixels, int threadsPerTask, String precision,
                              String engine)
        implements Serializable {}
