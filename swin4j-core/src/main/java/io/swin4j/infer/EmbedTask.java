package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.swin4j.pipeline.ResultJson;
import io.swin4j.pipeline.Task;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.RgbImage;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Pooled embeddings (the input of the head): the preset's preprocessing, a forward pass, one row per image.
 * JSON: an array of floats, the {@code embedding} field.
 */
public final class EmbedTask implements Task<float[], SwinPredictor.BatchOutput, float[]> {

    private final EvalPreset preset;
    private final Function<List<float[]>, SwinPredictor.BatchOutput> forward;

    /** @param forward one forward pass over inputs preprocessed by {@code preset} ({@link SwinPredictor#forward}) */
    public EmbedTask(EvalPreset preset, Function<List<float[]>, SwinPredictor.BatchOutput> forward) {
        this.preset = Objects.requireNonNull(preset);
        this.forward = Objects.requireNonNull(forward);
    }

    @Override
    public String name() {
        return "embed";
    }

    @Override
    public float[] preprocess(RgbImage image, ImageLimits limits) {
        return preset.apply(image, limits);
    }

    @Override
    public SwinPredictor.BatchOutput forward(List<float[]> inputs) {
        return forward.apply(inputs);
    }

    @Override
    public float[] postprocess(SwinPredictor.BatchOutput batch, int index, float[] input) {
        return batch.embeddings()[index];
    }

    @Override
    public JsonNode toJson(float[] embedding) {
        ArrayNode a = ResultJson.MAPPER.createArrayNode();
        for (float v : embedding) a.add(v);
        return a;
    }

    @Override
    public String jsonField() {
        return "embedding";
    }
}
