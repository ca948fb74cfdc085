package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.geometry.SizeRule;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.CheckpointReader;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SwinSegmenter} equals the official Swin-Transformer-Semantic-Segmentation {@code EncoderDecoder(SwinTransformer,
 * UPerHead, FCNHead)} (fixtures/upernet, made by tools/reference/make_upernet_fixtures.py from the repository's own
 * files): the backbone's normed stage outputs, whole-image logits, sliding-window and flip-averaged probabilities at a
 * non-square 100×76 input, and one training step's losses, gradients and BatchNorm running statistics.
 */
class UperNetParityTest {

    static final Path DIR = Fixtures.root().resolve("upernet");
    static JsonNode meta;
    static Map<String, HostTensor> weights;

    @BeforeAll
    static void load() throws Exception {
        meta = Fixtures.json(DIR.resolve("meta.json"));
        weights = CheckpointReader.read(DIR.resolve("weights.safetensors")).tensors();
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    /** The fixture's architecture, from its meta: the official seg backbone rule (PADDED), every stage an output. */
    static SegmentationConfig config(double dropout) {
        JsonNode c = meta.get("config");
        SwinConfig backbone = SwinConfig.builder().optName("upernet_fixture").optEmbedDim(c.get("embed_dim").asInt())
                .optDepths(ints(c.get("depths"))).optNumHeads(ints(c.get("num_heads")))
                .optWindowSize(c.get("window_size").asInt()).optPatchSize(c.get("patch_size").asInt())
                .optMlpRatio(c.get("mlp_ratio").asDouble()).optNumClasses(0).optDropPathRate(c.get("drop_path_rate").asDouble())
                .optSizeRule(SizeRule.PADDED).build();
        return new SegmentationConfig(backbone, c.get("num_classes").asInt(), c.get("channels").asInt(),
                ints(c.get("pool_scales")), c.get("align_corners").asBoolean(), dropout, c.get("aux_channels").asInt(),
                c.get("aux_in_index").asInt(), c.get("aux_loss_weight").asDouble());
    }

    static SegmentationConfig config() {
        return config(meta.get("config").get("dropout_ratio").asDouble());
    }

    private static HostTensor npy(String name) {
        return Fixtures.npy(DIR.resolve(name));
    }

    static void report(String what, double[] err) {
        System.out.printf("upernet parity %-14s rel %.2e max abs %.2e%n", what, err[0], err[1]);
    }

    @Test
    void theOfficialClassificationSizeRuleIsNotTheSegmentationOne() {
        // At 100x76 the last stage is 4x3: OFFICIAL shrinks its window to 3 and does not shift, PADDED (the seg repo)
        // pads to the 7x7 window and shifts. Only PADDED matches the reference.
        SegmentationConfig padded = config();
        SegmentationConfig official = padded.withBackbone(padded.backbone().toBuilder().optSizeRule(SizeRule.OFFICIAL)
                .build());
        HostTensor expected = npy("features_3.npy");
        try (SwinSegmenter model = SwinSegmenter.fromWeights(official, weights, false, 0);
             Tensor x = Tensors.fromHost(npy("input.npy"))) {
            List<Tensor> features = model.backboneFeatures(x);
            try {
                assertThat(Fixtures.relativeError(Tensors.toFloats(features.get(3)), expected.data())).isGreaterThan(1e-2);
            } finally {
                features.forEach(Tensor::close);
            }
        }
    }

    @Test
    void canonicalNamesAndShapesAreTheReferenceStateDict() {
        Map<String, long[]> ours = SwinSegmenter.parameterShapes(config());
        assertThat(ours.keySet()).containsExactlyElementsOf(weights.keySet());
        ours.forEach((k, shape) -> assertThat(shape).as(k).containsExactly(weights.get(k).shape()));
    }

    @Test
    void backboneFeaturesWholeLogitsSlideAndFlipMatchTheReference() {
        HostTensor input = npy("input.npy");
        try (SwinSegmenter model = SwinSegmenter.fromWeights(config(), weights, false, 0);
             Tensor x = Tensors.fromHost(input)) {
            List<Tensor> features = model.backboneFeatures(x);
            try {
                for (int i = 0; i < features.size(); i++) {
                    HostTensor expected = npy("features_" + i + ".npy");
                    assertThat(Tensors.shape(features.get(i))).containsExactly(expected.shape());
                    report("stage " + i, Fixtures.assertClose("stage " + i, Tensors.toFloats(features.get(i)),
                            expected.data()));
                }
            } finally {
                features.forEach(Tensor::close);
            }
            HostTensor whole = npy("whole_logits.npy");
            try (Tensor logits = model.forward(x)) {
                assertThat(Tensors.shape(logits)).containsExactly(2, 5, 100, 76);
                report("whole logits", Fixtures.assertCloseScaled("whole logits", Tensors.toFloats(logits), whole.data()));
            }
            JsonNode slide = meta.get("slide");
            SegmentationMode mode = SegmentationMode.slide(slide.get("crop").get(0).asInt(), slide.get("crop").get(1).asInt(),
                    slide.get("stride").get(0).asInt(), slide.get("stride").get(1).asInt());
            float[] slideProbs = npy("slide_probs.npy").data();
            try (Tensor probs = model.predict(x, mode)) {
                report("slide", Fixtures.assertClose("slide probabilities", Tensors.toFloats(probs), slideProbs));
            }
            float[] flipProbs = npy("flip_probs.npy").data();
            try (Tensor probs = model.predict(x, SegmentationMode.whole().optFlip(true))) {
                report("flip", Fixtures.assertClose("flip probabilities", Tensors.toFloats(probs), flipProbs));
            }
            // the three references differ, so each assertion tells its mode apart
            try (Tensor probs = model.predict(x, SegmentationMode.whole())) {
                float[] p = Tensors.toFloats(probs);
                assertThat(Fixtures.maxAbsError(p, slideProbs)).isGreaterThan(1e-3);
                assertThat(Fixtures.maxAbsError(p, flipProbs)).isGreaterThan(1e-3);
            }
        }
    }
}
