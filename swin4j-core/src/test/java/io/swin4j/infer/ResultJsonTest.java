package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.geometry.WindowGeometry;
import io.swin4j.pipeline.Result;
import io.swin4j.pipeline.ResultJson;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each task's JSON from {@link ResultJson}: byte for byte the shapes the server and the CLI wrote with their own
 * builders before the pipeline (those builders are copied here as the reference), and the new features shape.
 */
class ResultJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Prediction> TOP = List.of(new Prediction(7, "café \"au lait\"", 0.6180339887498949),
            new Prediction(2, "class_2", 1.0E-7), new Prediction(0, "x", 0.0));
    private static final ClassifyTask CLASSIFY = new ClassifyTask(EvalPreset.named("hf"), Labels.numbered(8), 3, in -> {
        throw new AssertionError("no forward pass in a JSON test");
    });
    private static final EmbedTask EMBED = new EmbedTask(EvalPreset.named("hf"), in -> {
        throw new AssertionError("no forward pass in a JSON test");
    });

    @Test
    void aClassifyLineIsWhatPredictWroteWithJacksonsRecordSerialisation() throws Exception {
        Map<String, Object> before = new LinkedHashMap<>();
        before.put("path", "dir/a b.png");
        before.put("predictions", TOP);
        assertThat(ResultJson.line(Result.ok("dir/a b.png", TOP), CLASSIFY)).isEqualTo(JSON.writeValueAsString(before));
        assertThat(ResultJson.line(Result.failed("bad.png", "bad.png: empty file"), CLASSIFY))
                .isEqualTo("{\"path\":\"bad.png\",\"error\":\"bad.png: empty file\"}");
    }

    @Test
    void theServersClassifyAndEmbedAnswersAreWhatItsBuildersWrote() throws Exception {
        List<Result<List<Prediction>>> classified = List.of(Result.ok("a.png", TOP), Result.failed("b", "b: empty file"));
        ObjectNode before = JSON.createObjectNode();
        ArrayNode results = before.putArray("results");
        ObjectNode r = results.addObject().put("name", "a.png");
        ArrayNode top = r.putArray("top_k");
        for (Prediction p : TOP) top.addObject().put("index", p.index()).put("label", p.label()).put("probability", p.probability());
        results.addObject().put("name", "b").put("error", "b: empty file");
        assertThat(JSON.writeValueAsString(ResultJson.results(classified, CLASSIFY))).isEqualTo(JSON.writeValueAsString(before));

        float[] embedding = {0.1f, -3.4028235E38f, 1e-45f, 0f, 7.5f};
        ObjectNode embedBefore = JSON.createObjectNode();
        ArrayNode e = embedBefore.putArray("results").addObject().put("name", "c").putArray("embedding");
        for (float v : embedding) e.add(v);
        assertThat(JSON.writeValueAsString(ResultJson.results(List.of(Result.ok("c", embedding)), EMBED)))
                .isEqualTo(JSON.writeValueAsString(embedBefore));
    }

    @Test
    void theAttentionAnswerIsWhatTheServerBuilt() throws Exception {
        try (SwinPredictor p = SwinPredictor.builder().build()) {
            RgbImage img = new ImageDecoder().decode(Fixtures.root().toAbsolutePath().getParent().resolve("samples/0009-sneaker.png"));
            int stage = 1, block = 1, head = 1;
            AttentionView view = p.attention(img, stage, block);
            ObjectNode before = JSON.createObjectNode();
            before.put("stage", stage).put("block", block).put("head", head).put("heads", view.heads());
            before.put("shifted", view.plan().shifted());
            before.putArray("grid").add(view.gridHeight()).add(view.gridWidth());
            before.putArray("window").add(view.plan().windowH()).add(view.plan().windowW());
            before.putArray("shift").add(view.plan().shiftH()).add(view.plan().shiftW());
            before.put("windowTokens", view.plan().windowTokens());
            ObjectNode image = before.putObject("image");
            image.put("width", view.seen().width()).put("height", view.seen().height());
            image.put("png", Base64.getEncoder().encodeToString(view.seen().toPng()));
            ArrayNode groups = before.putArray("groups");
            for (int g : view.groups()) groups.add(g);
            ArrayNode partition = before.putArray("partition");
            for (int q : WindowGeometry.partitionIndex(view.plan())) partition.add(q);
            ArrayNode probs = before.putArray("probs");
            for (float q : view.headProbs(head)) probs.add(Math.round(q * 1e5f) / 1e5f);

            AttentionTask task = p.attentionTask(stage, block, head);
            assertThat(JSON.writeValueAsString(task.toJson(view))).isEqualTo(JSON.writeValueAsString(before));
            assertThat(view.heads()).isGreaterThan(head);
            assertThat(before.get("probs").size()).isGreaterThan(0);
        }
    }

    @Test
    void stageFeaturesAreShapesAndRowMajorData() throws Exception {
        StageFeatures f = new StageFeatures(List.of(HostTensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2),
                HostTensor.of(new float[] {0.5f, -0.5f}, 1, 2, 1, 1)));
        try (SwinPredictor p = SwinPredictor.builder().build()) {
            StageFeaturesTask task = p.stageFeaturesTask();
            String line = ResultJson.line(Result.ok("s.png", f), task);
            assertThat(line).isEqualTo("{\"path\":\"s.png\",\"features\":{\"stages\":[{\"shape\":[1,1,2,2],\"data\":[1.0,2.0,3.0,4.0]},"
                    + "{\"shape\":[1,2,1,1],\"data\":[0.5,-0.5]}]}}");
            JsonNode served = ResultJson.results(List.of(Result.ok("s.png", f)), task);
            assertThat(served.get("results").get(0).get("features").get("stages").get(1).get("shape").toString()).isEqualTo("[1,2,1,1]");
        }
    }
}
