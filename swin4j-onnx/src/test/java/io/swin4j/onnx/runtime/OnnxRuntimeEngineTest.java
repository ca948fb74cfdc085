package io.swin4j.onnx.runtime;

import io.swin4j.geometry.SizeRule;
import io.swin4j.infer.InferenceEngines;
import io.swin4j.infer.Prediction;
import io.swin4j.infer.StageFeatures;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.OrtRunner;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.RgbImage;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A predictor on the onnxruntime engine answers as the libtorch one does: the same top-k, probabilities, embeddings
 * and stage features (rel 1e-5) on the same images, alone and in batches, with a bad file in a batch reported and
 * the others answered; what it cannot do (attention maps) is a clear error, and an unknown engine lists the others.
 */
class OnnxRuntimeEngineTest {

    private static Path savedModel(Path dir, SwinConfig.Family family) throws Exception {
        SwinConfig config = SwinConfig.builder().optName("tiny_" + family).optFamily(family)
                .optSizeRule(SizeRule.OFFICIAL).optImgSize(32).optPatchSize(4).optEmbedDim(16).optDepths(2, 2)
                .optNumHeads(2, 4).optWindowSize(4).optNumClasses(7).build();
        Path file = dir.resolve("tiny_" + family + ".safetensors");
        try (SwinTransformer m = OrtRunner.noisyModel(config, 5)) {
            SwinWeights.save(file, ModelCard.ofSource(config, Layout.OFFICIAL), m.parameters().toHost(), "F32");
        }
        return file;
    }

    private static RgbImage image(int w, int h, int seed) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 31 + seed * 17 + (i / 97));
        return new RgbImage(w, h, rgb);
    }

    @Test
    void answersAsLibtorchDoes(@TempDir Path tmp) throws Exception {
        for (SwinConfig.Family family : SwinConfig.Family.values()) {
            Path file = savedModel(tmp, family);
            try (SwinPredictor torch = SwinPredictor.builder(file).optPreset(EvalPreset.hf(32)).build();
                 SwinPredictor ort = SwinPredictor.builder(file).optPreset(EvalPreset.hf(32)).optEngine("onnxruntime")
                         .optThreads(1).build()) {
                assertThat(ort.engine()).isEqualTo("onnxruntime");
                assertThat(torch.engine()).isEqualTo("libtorch");
                List<float[]> inputs = new ArrayList<>();
                for (int i = 0; i < 3; i++) inputs.add(torch.preset().apply(image(40 + i, 36, i)));
                SwinPredictor.BatchOutput a = torch.forward(inputs), b = ort.forward(inputs);
                for (int i = 0; i < 3; i++) {
                    Fixtures.assertClose(family + " probabilities " + i, b.probabilities()[i], a.probabilities()[i]);
                    Fixtures.assertCloseScaled(family + " embedding " + i, b.embeddings()[i], a.embeddings()[i]);
                }
                RgbImage one = image(50, 41, 9);
                List<Prediction> topA = torch.classify(one, 3), topB = ort.classify(one, 3);
                assertThat(topB.stream().map(Prediction::label).toList())
                        .isEqualTo(topA.stream().map(Prediction::label).toList());
                StageFeatures fa = torch.stageFeatures(one), fb = ort.stageFeatures(one);
                assertThat(fb.stages()).hasSameSizeAs(fa.stages());
                for (int s = 0; s < fa.stages().size(); s++) {
                    assertThat(fb.stage(s).shape()).isEqualTo(fa.stage(s).shape());
                    Fixtures.assertCloseScaled(family + " stage " + s, fb.stage(s).data(), fa.stage(s).data());
                }
            }
        }
    }

    @Test
    void aBadFileInABatchFailsAloneAndAttentionIsAClearError(@TempDir Path tmp) throws Exception {
        Path file = savedModel(tmp, SwinConfig.Family.V1);
        Path good = tmp.resolve("good.png"), bad = tmp.resolve("bad.png");
        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, x * 6 << 16 | y * 6 << 8 | 77);
        ImageIO.write(img, "png", good.toFile());
        Files.write(bad, new byte[] {1, 2, 3});
        try (SwinPredictor ort = SwinPredictor.builder(file).optPreset(EvalPreset.hf(32)).optEngine("onnxruntime")
                .build()) {
            List<SwinPredictor.Result<List<Prediction>>> results = ort.classifyAll(List.of(good, bad, good), 2, null);
            assertThat(results).hasSize(3);
            assertThat(results.get(0).ok()).isTrue();
            assertThat(results.get(2).ok()).isTrue();
            assertThat(results.get(1).ok()).isFalse();
            assertThat(results.get(1).error()).contains("bad.png");
            assertThatThrownBy(() -> ort.attentionTask(0, 1, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--engine libtorch");
            assertThat(ort.hasAttentionMaps()).isFalse();
        }
    }

    @Test
    void reducedPrecisionsAreRefusedClearly(@TempDir Path tmp) throws Exception {
        Path file = savedModel(tmp, SwinConfig.Family.V1);
        for (Precision p : List.of(Precision.BF16, Precision.INT8)) {
            assertThatThrownBy(() -> SwinPredictor.builder(file).optPreset(EvalPreset.hf(32)).optPrecision(p)
                    .optEngine("onnxruntime").build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("--engine onnxruntime runs fp32 only")
                    .hasMessageContaining("--engine libtorch");
        }
    }

    @Test
    void concurrentCallsShareOneSession(@TempDir Path tmp) throws Exception {
        Path file = savedModel(tmp, SwinConfig.Family.V2);
        try (SwinPredictor torch = SwinPredictor.builder(file).optPreset(EvalPreset.hf(32)).build();
             SwinPredictor ort = SwinPredictor.builder(file).optPreset(EvalPreset.hf(32)).optEngine("onnxruntime")
                     .optThreads(1).build()) {
            List<List<float[]>> batches = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                List<float[]> inputs = new ArrayList<>();
                for (int i = 0; i <= t; i++) inputs.add(torch.preset().apply(image(33 + i, 35 + t, 10 * t + i)));
                batches.add(inputs);
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<SwinPredictor.BatchOutput>> futures = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (List<float[]> b : batches) futures.add(pool.submit(() -> ort.forward(b)));
                }
                for (int f = 0; f < futures.size(); f++) {
                    List<float[]> b = batches.get(f % batches.size());
                    SwinPredictor.BatchOutput want = torch.forward(b), got = futures.get(f).get();
                    assertThat(got.probabilities()).hasDimensions(b.size(), 7);
                    for (int i = 0; i < b.size(); i++) {
                        Fixtures.assertClose("call " + f + " row " + i, got.probabilities()[i], want.probabilities()[i]);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void unknownEngineListsTheAvailableOnes(@TempDir Path tmp) throws Exception {
        Path file = savedModel(tmp, SwinConfig.Family.V1);
        assertThat(InferenceEngines.available()).containsExactly("libtorch", "onnxruntime");
        assertThatThrownBy(() -> SwinPredictor.builder(file).optEngine("tensorrt").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown inference engine 'tensorrt'")
                .hasMessageContaining("libtorch, onnxruntime");
    }
}
