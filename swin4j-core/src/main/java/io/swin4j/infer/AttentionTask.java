package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.engine.Tensors;
import io.swin4j.geometry.WindowGeometry;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.pipeline.ResultJson;
import io.swin4j.pipeline.Task;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.RgbImage;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * One block's attention for an image ({@link AttentionView}), one image a forward pass: for people looking at
 * windows, not for traffic. JSON: the view for one head (grid, window, shift, the seen image as PNG, groups,
 * partition and that head's probabilities rounded to 5 decimals), the server's {@code /v1/attention} answer.
 */
public final class AttentionTask implements Task<AttentionTask.Input, AttentionView, AttentionView> {

    /** An image as the model sees it: after the preset's resize and crop, and normalized. */
    public record Input(RgbImage seen, float[] chw) {}

    private final SwinTransformer model;
    private final EvalPreset preset;
    private final int stage;
    private final int block;
    private final int head;

    /** @throws IllegalArgumentException when the model has no attention maps or no such block or head */
    AttentionTask(SwinTransformer model, SwinConfig c, EvalPreset preset, int stage, int block, int head) {
        if (!model.hasAttentionMaps()) {
            throw new IllegalArgumentException("a " + c.family() + " model (" + c.name() + ") has no attention maps: "
                    + "its blocks mix each window's tokens with a spatial MLP");
        }
        if (stage < 0 || stage >= c.numStages() || block < 0 || block >= c.depths()[stage]) {
            throw new IllegalArgumentException("no block " + block + " in stage " + stage + ": the model has "
                    + c.numStages() + " stages of " + Arrays.toString(c.depths()) + " blocks");
        }
        if (head < 0 || head >= c.numHeads()[stage]) {
            throw new IllegalArgumentException("head " + head + " of " + c.numHeads()[stage] + " in stage " + stage);
        }
        this.model = model;
        this.preset = preset;
        this.stage = stage;
        this.block = block;
        this.head = head;
    }

    @Override
    public String name() {
        return "attention";
    }

    @Override
    public Input preprocess(RgbImage image, ImageLimits limits) {
        RgbImage seen = preset.prepare(image, limits);
        return new Input(seen, preset.normalize(seen));
    }

    @Override
    public int maxBatch() {
        return 1;
    }

    @Override
    public AttentionView forward(List<Input> inputs) {
        if (inputs.size() != 1) throw new IllegalArgumentException("attention runs one image a pass, got " + inputs.size());
        Input in = inputs.get(0);
        ForwardOptions.BlockId id = new ForwardOptions.BlockId(stage, block);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.fromFloats(in.chw(), 1, 3, preset.height(), preset.width());
            try (SwinOutput out = model.forward(x, ForwardOptions.DEFAULT.optAttention(id))) {
                SwinOutput.BlockAttention a = out.attentions().get(0);
                int heads = (int) a.probs().size(2);
                return new AttentionView(stage, block, a.plan(), heads, Tensors.toFloats(a.probs()), in.seen());
            }
        }
    }

    @Override
    public AttentionView postprocess(AttentionView batch, int index, Input input) {
        return batch;
    }

    @Override
    public JsonNode toJson(AttentionView view) {
        ObjectNode body = ResultJson.MAPPER.createObjectNode();
        body.put("stage", view.stage()).put("block", view.block()).put("head", head).put("heads", view.heads());
        body.put("shifted", view.plan().shifted());
        body.putArray("grid").add(view.gridHeight()).add(view.gridWidth());
        body.putArray("window").add(view.plan().windowH()).add(view.plan().windowW());
        body.putArray("shift").add(view.plan().shiftH()).add(view.plan().shiftW());
        body.put("windowTokens", view.plan().windowTokens());
        ObjectNode image = body.putObject("image");
        image.put("width", view.seen().width()).put("height", view.seen().height());
        image.put("png", Base64.getEncoder().encodeToString(view.seen().toPng()));
        ArrayNode groups = body.putArray("groups");
        for (int g : view.groups()) groups.add(g);
        ArrayNode partition = body.putArray("partition");
        for (int p : WindowGeometry.partitionIndex(view.plan())) partition.add(p);
        ArrayNode probs = body.putArray("probs");
        for (float p : view.headProbs(head)) probs.add(Math.round(p * 1e5f) / 1e5f);
        return body;
    }
}
