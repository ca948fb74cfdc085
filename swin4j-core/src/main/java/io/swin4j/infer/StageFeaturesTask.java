package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.pipeline.ResultJson;
import io.swin4j.pipeline.Task;
import io.swin4j.tensor.HostTensor;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.RgbImage;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-stage feature maps ({@link StageFeatures}) of preprocessed images: a backbone's output for a dense head.
 * JSON: {@code {"stages": [{"shape": [1, C, H, W], "data": [...]}, ...]}}, the {@code features} field.
 */
public final class StageFeaturesTask implements Task<float[], List<HostTensor>, StageFeatures> {

    private final EvalPreset preset;
    private final java.util.function.Function<List<float[]>, List<HostTensor>> forward;

    /** @param forward each stage's (B, C, H, W) map of a batch of inputs preprocessed by {@code preset} */
    StageFeaturesTask(EvalPreset preset, java.util.function.Function<List<float[]>, List<HostTensor>> forward) {
        this.preset = preset;
        this.forward = forward;
    }

    @Override
    public String name() {
        return "features";
    }

    @Override
    public float[] preprocess(RgbImage image, ImageLimits limits) {
        return preset.apply(image, limits);
    }

    /** Each stage's (B, C, H, W) map of the batch. */
    @Override
    public List<HostTensor> forward(List<float[]> inputs) {
        return forward.apply(inputs);
    }

    @Override
    public StageFeatures postprocess(List<HostTensor> batch, int index, float[] input) {
        List<HostTensor> mine = new ArrayList<>(batch.size());
        for (HostTensor t : batch) {
            int per = Math.toIntExact(t.numel() / t.dim(0));
            float[] data = Arrays.copyOfRange(t.data(), index * per, (index + 1) * per);
            mine.add(HostTensor.of(data, 1, t.dim(1), t.dim(2), t.dim(3)));
        }
        return new StageFeatures(mine);
    }

    @Override
    public JsonNode toJson(StageFeatures f) {
        ObjectNode o = ResultJson.MAPPER.createObjectNode();
        ArrayNode stages = o.putArray("stages");
        for (HostTensor t : f.stages()) {
            ObjectNode s = stages.addObject();
            ArrayNode shape = s.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            ArrayNode data = s.putArray("data");
            for (float v : t.data()) data.add(v);
        }
        return o;
    }
}
