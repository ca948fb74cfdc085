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
 * Top-k classes: the preset's preprocessing, a forward pass giving softmax probabilities, the k most probable
 * classes per image ({@link TopK}). JSON: {@code [{"index", "label", "probability"}, ...]}, the server's
 * {@code top_k} field, JSON Lines' {@code predictions}.
 */
public final class ClassifyTask implements Task<float[], SwinPredictor.BatchOutput, List<Prediction>> {

    private final EvalPreset preset;
    private final Labels labels;
    private final int k;
    private final Function<List<float[]>, SwinPredictor.BatchOutput> forward;

    /**
     * @param forward one forward pass over inputs preprocessed by {@code preset} ({@link SwinPredictor#forward}, or a
     *                wrapper of it)
     */
    public ClassifyTask(EvalPreset preset, Labels labels, int k, Function<List<float[]>, SwinPredictor.BatchOutput> forward) {
        if (k < 1) throw new IllegalArgumentException("top-k must be >= 1, got " + k);
        this.preset = Objects.requireNonNull(preset);
        this.labels = Objects.requireNonNull(labels);
        this.k = k;
        this.forward = Objects.requireNonNull(forward);
    }

    public int k() {
        return k;
    }

    @Override
    public String name() {
        return "classify";
    }

    @Override
    public float[] preprocess(RgbImage image, ImageLimits limits) {
        return preset.apply(image, limits);
    }

    @Override
    public SwinPredictor.BatchOutput forward(List<float[]> inputs) {
        SwinPredictor.BatchOutput out = forward.apply(inputs);
        if (out.probabilities() == null) {
            throw new IllegalStateException("the model has no classifier head (0 classes): use embed");
        }
        return out;
    }

    @Override
    public List<Prediction> postprocess(SwinPredictor.BatchOutput batch, int index, float[] input) {
        return TopK.of(batch.probabilities()[index], k, labels);
    }

    @Override
    public JsonNode toJson(List<Prediction> top) {
        ArrayNode a = ResultJson.MAPPER.createArrayNode();
        for (Prediction p : top) {
            a.addObject().put("index", p.index()).put("label", p.label()).put("probability", p.probability());
        }
        return a;
    }

    @Override
    public String jsonField() {
        return "top_k";
    }

    @Override
    public String lineField() {
        return "predictions";
    }
}
