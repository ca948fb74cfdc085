package io.swin4j.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.swin4j.infer.BundledModel;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.testing.Fixtures;
import io.swin4j.testing.TinySegmenters;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.layout.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code swin export}: the graph it writes (contrib and standard ops, a static or dynamic batch, a headless model)
 * loads in ONNX Runtime and answers as the libtorch model does; what it prints names the file, nodes, inputs and
 * outputs; bad flags and checkpoints it cannot write fail with a message naming them and write nothing.
 */
class ExportCommandTest {

    /** The images of the first {@code n} samples, preprocessed as {@code p} does, and p's forward pass over them. */
    private record Batch(List<float[]> inputs, SwinPredictor.BatchOutput want, int h, int w) {
        static Batch of(SwinPredictor p, int n) throws Exception {
            ImageDecoder decoder = new ImageDecoder();
            List<float[]> inputs = new ArrayList<>();
            for (Path s : Samples.all().subList(0, n)) inputs.add(p.preset().apply(decoder.decode(s)));
            return new Batch(inputs, p.forward(inputs), p.preset().height(), p.preset().width());
        }

        /** ONNX Runtime's outputs of the graph in {@code file} over these inputs, by name. */
        Map<String, float[][]> run(Path file) throws Exception {
            int per = 3 * h * w;
            float[] batch = new float[inputs.size() * per];
            for (int i = 0; i < inputs.size(); i++) System.arraycopy(inputs.get(i), 0, batch, i * per, per);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            Map<String, float[][]> out = new LinkedHashMap<>();
            try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions());
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(batch), new long[] {inputs.size(), 3, h, w});
                 OrtSession.Result r = s.run(Map.of("images", in))) {
                for (var e : r) out.put(e.getKey(), (float[][]) e.getValue().getValue());
            }
            return out;
        }
    }

    private static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : logits) max = Math.max(max, v);
        for (float v : logits) sum += Math.exp(v - max);
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) p[i] = (float) (Math.exp(logits[i] - max) / sum);
        return p;
    }

    @Test
    void contribAndStandardGraphsRunInOnnxRuntimeAsLibtorch(@TempDir Path tmp) throws Exception {
        try (SwinPredictor torch = SwinPredictor.builder(BundledModel.path()).build()) {
            Batch b = Batch.of(torch, 3);
            for (String ops : List.of("contrib", "standard")) {
                Path graph = tmp.resolve(ops + ".onnx");
                CliRun r = CliRun.of("export", "--format", "onnx", "--ops", ops, "--output", graph.toString(),
                        "--dynamic-batch");
                assertThat(r.exit()).as(ops + ": " + r.err()).isZero();
                assertThat(Files.size(graph)).isPositive();
                List<String> lines = r.out().lines().toList();
                assertThat(lines).hasSize(3);
                assertThat(lines.get(0)).startsWith("wrote " + graph + ": ").contains(" nodes, ").contains(ops + " ops")
                        .contains("opset 17");
                assertThat(lines.get(1)).isEqualTo("  inputs:  images (batchx3x32x32)");
                assertThat(lines.get(2)).startsWith("  outputs: ");
                assertThat(lines.get(2).substring("  outputs: ".length()).split(", "))
                        .containsExactlyInAnyOrder("logits (batchx10)", "embedding (batchx128)");

                Map<String, float[][]> out = b.run(graph);
                assertThat(out.keySet()).containsExactlyInAnyOrder("logits", "embedding");
                for (int i = 0; i < b.inputs().size(); i++) {
                    Fixtures.assertClose(ops + " probabilities " + i, softmax(out.get("logits")[i]),
                            b.want().probabilities()[i]);
                    Fixtures.assertCloseScaled(ops + " embedding " + i, out.get("embedding")[i], b.want().embeddings()[i]);
                }
            }
        }
    }

    @Test
    void aHeadlessSavedModelExportsItsEmbeddingAtAStaticBatch(@TempDir Path tmp) throws Exception {
        SwinConfig c = SwinConfig.preset("swinv2_tiny_patch4_window8_256").toBuilder().optName("tiny_headless")
                .optImgSize(32).optEmbedDim(8).optDepths(2, 2).optNumHeads(1, 2).optWindowSize(4).optNumClasses(0)
                .optDropPathRate(0).build();
        Path file = tmp.resolve("headless.safetensors");
        try (SwinTransformer m = SwinTransformer.create(c, 3)) {
            SwinWeights.save(file, new ModelCard(c, Layout.OFFICIAL, EvalPreset.hf(32), null), m.parameters().toHost(), "F32");
        }
        Path graph = tmp.resolve("headless.onnx");
        CliRun r = CliRun.of("export", "--weights", file.toString(), "--output", graph.toString(), "--batch", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("tiny_headless").contains("  inputs:  images (2x3x32x32)")
                .contains("  outputs: embedding (2x16)").doesNotContain("logits");
        try (SwinPredictor torch = SwinPredictor.builder(file).build()) {
            Batch b = Batch.of(torch, 2);
            float[][] emb = b.run(graph).get("embedding");
            for (int i = 0; i < 2; i++) Fixtures.assertCloseScaled("embedding " + i, emb[i], b.want().embeddings()[i]);
        }

        CliRun logits = CliRun.of("export", "--weights", file.toString(), "--output", tmp.resolve("x.onnx").toString(),
                "--outputs", "logits");
        assertThat(logits.exit()).isNotZero();
        assertThat(logits.err()).contains("--outputs logits: the model has no classifier head");
        assertThat(tmp.resolve("x.onnx")).doesNotExist();
    }

    @Test
    void dynamicSizeGraphsHaveSymbolicHeightAndWidth(@TempDir Path tmp) throws Exception {
        Path graph = tmp.resolve("any.onnx");
        CliRun r = CliRun.of("export", "--output", graph.toString(), "--dynamic-size", "--dynamic-batch",
                "--outputs", "logits");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("  inputs:  images (batchx3xheightxwidth)").contains("  outputs: logits (batchx10)");
        try (SwinPredictor torch = SwinPredictor.builder(BundledModel.path()).build()) {
            Batch b = Batch.of(torch, 2);
            float[][] logits = b.run(graph).get("logits");
            for (int i = 0; i < 2; i++) Fixtures.assertClose("probabilities " + i, softmax(logits[i]), b.want().probabilities()[i]);
        }
    }

    @Test
    void badFlagsAndCheckpointsFailNamingThemAndWriteNothing(@TempDir Path tmp) throws Exception {
        Path segmenter = TinySegmenters.write(tmp.resolve("upernet.safetensors"), 4);
        String out = tmp.resolve("x.onnx").toString();
        Map<List<String>, String> cases = new LinkedHashMap<>();
        cases.put(List.of("--format", "tflite"), "--format: only onnx is written, got 'tflite'");
        cases.put(List.of("--ops", "foo"), "--ops must be contrib or standard, got 'foo'");
        cases.put(List.of("--outputs", "bogus"), "--outputs: unknown output 'bogus' (choose logits, embedding, stages)");
        cases.put(List.of("--opset", "13"), "opset must be >= 17");
        cases.put(List.of("--size", "0x3"), "--size must be N or HxW with positive sizes, got '0x3'");
        cases.put(List.of("--size", "64by64"), "--size must be N or HxW");
        cases.put(List.of("--batch", "0"), "batch must be >= 1, got 0");
        cases.put(List.of("--dynamic-size", "--size", "64x64"), "--dynamic-size and --size exclude each other");
        cases.put(List.of("--weights", segmenter.toString()), "is a segmentation checkpoint");
        for (var c : cases.entrySet()) {
            List<String> args = new ArrayList<>(List.of("export", "--output", out));
            args.addAll(c.getKey());
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertThat(r.exit()).as(c.getKey() + ": " + r.out()).isNotZero();
            assertThat(r.err()).as(c.getKey().toString()).contains(c.getValue());
            assertThat(r.out()).as(c.getKey().toString()).doesNotContain("wrote");
            assertThat(Path.of(out)).as(c.getKey() + " writes nothing").doesNotExist();
        }
        CliRun missing = CliRun.of("export", "--format", "onnx");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("--output");
    }
}
