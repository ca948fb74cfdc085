package io.swin4j.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.infer.BundledModel;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.ImageDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code --engine onnxruntime} on {@code swin predict} answers as libtorch does (the bundled model, the samples, a
 * broken file among them), and {@code swin export} writes a graph that ONNX Runtime loads and runs to the libtorch
 * model's probabilities and embeddings; bad engine names and export flags fail with a message naming them.
 */
class EngineAndExportCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** path → (index → probability) of a `predict --format json` run. */
    private static Map<String, Map<Integer, Double>> predictions(CliRun r) throws Exception {
        Map<String, Map<Integer, Double>> all = new HashMap<>();
        for (String line : r.out().lines().toList()) {
            JsonNode o = JSON.readTree(line);
            Map<Integer, Double> top = new HashMap<>();
            for (JsonNode p : o.get("predictions")) top.put(p.get("index").asInt(), p.get("probability").asDouble());
            all.put(o.get("path").asText(), top);
        }
        return all;
    }

    @Test
    void predictOnOnnxRuntimeAnswersAsLibtorch(@TempDir Path tmp) throws Exception {
        Path broken = Files.write(tmp.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1});
        List<String> files = new ArrayList<>();
        for (Path p : Samples.all()) files.add(p.toString());
        files.add(2, broken.toString());
        List<Map<String, Map<Integer, Double>>> runs = new ArrayList<>();
        for (String engine : List.of("libtorch", "onnxruntime")) {
            List<String> args = new ArrayList<>(List.of("predict", "--engine", engine, "--format", "json", "--top-k", "3",
                    "--batch-size", "4"));
            args.addAll(files);
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertThat(r.exit()).as(engine + ": " + r.err()).isEqualTo(1);
            assertThat(r.err()).as(engine).contains("broken.png").contains(Samples.all().size() + " ok, 1 failed");
            runs.add(predictions(r));
        }
        Map<String, Map<Integer, Double>> torch = runs.get(0), ort = runs.get(1);
        assertThat(ort.keySet()).isEqualTo(torch.keySet()).hasSize(Samples.all().size());
        for (String path : torch.keySet()) {
            assertThat(ort.get(path).keySet()).as(path).isEqualTo(torch.get(path).keySet());
            for (var e : torch.get(path).entrySet()) {
                double want = e.getValue();
                assertThat(ort.get(path).get(e.getKey())).as(path + " class " + e.getKey())
                        .isCloseTo(want, within(1e-5 * Math.max(want, 1e-3)));
            }
        }
    }

    @Test
    void unknownEngineNamesTheAvailableOnes() {
        CliRun r = CliRun.of("predict", "--engine", "tensorrt", Samples.DIR.resolve("0001-pullover.png").toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("unknown engine 'tensorrt'").contains("libtorch or onnxruntime");
    }

    @ParameterizedTest(name = "dynamic size {0}")
    @ValueSource(booleans = {false, true})
    void exportWritesAGraphThatOnnxRuntimeRunsAsLibtorchDoes(boolean dynamicSize, @TempDir Path tmp) throws Exception {
        Path graph = tmp.resolve("bundled.onnx");
        List<String> args = new ArrayList<>(List.of("export", "--format", "onnx", "--output", graph.toString(),
                "--dynamic-batch", "--outputs", "logits,embedding"));
        if (dynamicSize) args.add("--dynamic-size");
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.size(graph)).isPositive();
        String hw = dynamicSize ? "heightxwidth" : "32x32";
        assertThat(r.out()).contains("wrote " + graph).contains("nodes").contains("contrib ops")
                .contains("inputs:  images (batchx3x" + hw + ")").contains("logits (batchx10)").contains("embedding (batchx128)");

        try (SwinPredictor torch = SwinPredictor.builder(BundledModel.path()).build()) {
            ImageDecoder decoder = new ImageDecoder();
            List<float[]> inputs = new ArrayList<>();
            for (Path p : Samples.all().subList(0, 3)) inputs.add(torch.preset().apply(decoder.decode(p)));
            SwinPredictor.BatchOutput want = torch.forward(inputs);
            int h = torch.preset().height(), w = torch.preset().width(), per = 3 * h * w;
            float[] batch = new float[inputs.size() * per];
            for (int i = 0; i < inputs.size(); i++) System.arraycopy(inputs.get(i), 0, batch, i * per, per);

            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession s = env.createSession(graph.toString(), new OrtSession.SessionOptions());
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(batch),
                         new long[] {inputs.size(), 3, h, w});
                 OrtSession.Result out = s.run(Map.of("images", in))) {
                float[][] logits = (float[][]) out.get("logits").orElseThrow().getValue();
                float[][] emb = (float[][]) out.get("embedding").orElseThrow().getValue();
                assertThat(logits).hasNumberOfRows(inputs.size());
                for (int i = 0; i < inputs.size(); i++) {
                    Fixtures.assertClose("probabilities " + i, softmax(logits[i]), want.probabilities()[i]);
                    Fixtures.assertCloseScaled("embedding " + i, emb[i], want.embeddings()[i]);
                }
            }
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
    void badExportFlagsFailNamingTheFlag(@TempDir Path tmp) {
        String out = tmp.resolve("x.onnx").toString();
        Map<List<String>, String> cases = Map.of(
                List.of("--format", "tflite"), "--format: only onnx",
                List.of("--ops", "fancy"), "--ops must be contrib or standard, got 'fancy'",
                List.of("--outputs", "logits,attention"), "--outputs: unknown output 'attention'",
                List.of("--opset", "13"), "opset must be >= 17",
                List.of("--size", "64by64"), "--size",
                List.of("--dynamic-size", "--size", "64x64"), "--dynamic-size and --size exclude each other");
        for (var c : cases.entrySet()) {
            List<String> args = new ArrayList<>(List.of("export", "--output", out));
            args.addAll(c.getKey());
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertThat(r.exit()).as(c.getKey() + ": " + r.out()).isNotZero();
            assertThat(r.err()).as(c.getKey().toString()).contains(c.getValue());
            assertThat(Path.of(out)).as(c.getKey() + " writes nothing").doesNotExist();
        }
        CliRun missing = CliRun.of("export", "--format", "onnx");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("--output");
    }
}
