package io.swin4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.RgbImage;

import java.util.List;

/**
 * What a {@link Pipeline} runs, DJL's {@code Translator} as the model: the typed steps of one task after decoding.
 * The task holds its model (any object: a classifier, a segmenter), so the pipeline assumes neither the model's type
 * nor one input shape.
 * <ol>
 *   <li>{@link #preprocess}: a decoded image to the model's input {@code I} (a preset's resize, crop, normalize);</li>
 *   <li>{@link #batchKey}: inputs with equal keys may be stacked into one forward pass (their shape; a task whose
 *       inputs all have one shape keeps the default, one that cannot batch returns a unique key per input);</li>
 *   <li>{@link #forward}: batch and run the model over inputs of one key, giving the batch's outputs {@code B} as
 *       host data (no native memory outlives the call);</li>
 *   <li>{@link #postprocess}: one input's answer {@code O} from the batch's outputs.</li>
 * </ol>
 * An exception from {@code preprocess} fails that input alone ("source: reason"); one from {@code forward} or
 * {@code postprocess} is the whole batch's failure and propagates to the caller. Implementations must be thread-safe
 * when the pipeline is shared (a server's requests).
 *
 * @param <I> one preprocessed input
 * @param <B> the outputs of one forward pass
 * @param <O> one input's answer
 */
public interface Task<I, B, O> {

    /** The task's name: classify, embed, attention, features, ... . */
    String name();

    /** The preprocess step; {@code limits} are the pipeline's (a resize must stay within them). */
    I preprocess(RgbImage image, ImageLimits limits);

    /** Inputs with equal keys run in one forward pass; default: all together. */
    default Object batchKey(I input) {
        return Boolean.TRUE;
    }

    /** The most inputs of one forward pass (the pipeline's batch size is capped by it); default unbounded. */
    default int maxBatch() {
        return Integer.MAX_VALUE;
    }

    /** Batch and forward: one model call over {@code inputs} (all of one {@link #batchKey}, at least one). */
    B forward(List<I> inputs);

    /** The answer of {@code inputs.get(index)} from its batch's outputs. */
    O postprocess(B batch, int index, I input);

    /** One answer as JSON: the value of the task's field in a result object ({@link ResultJson}). */
    JsonNode toJson(O value);

    /** The field of an answer in the server's result objects; default {@link #name()}. */
    default String jsonField() {
        return name();
    }

    /** The field of an answer in a JSON Lines record; default {@link #jsonField()}. */
    default String lineField() {
        return jsonField();
    }
}
