/**
 * One task pipeline for every front end: decode ({@link io.swin4j.vision.ImageDecoder} with its
 * {@link io.swin4j.vision.ImageLimits}) → preprocess → batch → forward → post-process, one
 * {@link io.swin4j.pipeline.Result} per input in input order (a failed input as "source: reason" in its place),
 * streamed as each batch finishes. The CLI, the server and Spark decode and batch nothing themselves; they run a
 * {@link io.swin4j.pipeline.Pipeline} of a {@link io.swin4j.pipeline.Task} and write its answers with
 * {@link io.swin4j.pipeline.ResultJson}.
 *
 * <p>A task holds its own model object and says how its inputs batch, so tasks differ freely: classify, embed,
 * attention and stage features ({@code io.swin4j.infer}) share a {@code SwinTransformer} and one input shape; a task
 * over another model with inputs of many sizes (segmentation: no centre crop, a label map at the original size)
 * returns the input's shape from {@link io.swin4j.pipeline.Task#batchKey} (or caps {@link
 * io.swin4j.pipeline.Task#maxBatch} at 1) and keeps what post-processing needs (the original size) in its input:
 *
 * <pre>{@code
 * final class SegmentTask implements Task<SegmentTask.Input, float[][], LabelMap> {
 *     record Input(float[] chw, int height, int width, int originalHeight, int originalWidth) {}
 *     public String name() { return "segment"; }
 *     public Input preprocess(RgbImage image, ImageLimits limits) { ... resize, no crop, normalize ... }
 *     public Object batchKey(Input in) { return List.of(in.height(), in.width()); }
 *     public float[][] forward(List<Input> in) { ... segmenter.forward(stacked batch), logits to host ... }
 *     public LabelMap postprocess(float[][] logits, int i, Input in) { ... resize to the original size, argmax ... }
 *     public JsonNode toJson(LabelMap m) { ... }
 * }
 * Pipeline<LabelMap> p = Pipeline.of(new SegmentTask(segmenter, preset), new ImageDecoder(limits), 4);
 * }</pre>
 *
 * <p>No dependency on {@code io.swin4j.infer} (which depends on this package): the pipeline knows no model.
 */
package io.swin4j.pipeline;
