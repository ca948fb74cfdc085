package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
 * broken file among them); an unknown engine name lists the available ones, and bf16/int8 on onnxruntime are refused.
 */
class PredictEngineCommandTest {

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
            List<String> args = new ArrayList<>(List.of("predict", "--engine", engine, "--format", "json", "--top-k", "5",
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

    @Test
    void onnxRuntimeRefusesInt8AndBf16NamingLibtorch() {
        for (String precision : List.of("int8", "bf16")) {
            CliRun r = CliRun.of("predict", "--engine", "onnxruntime", "--precision", precision,
                    Samples.DIR.resolve("0001-pullover.png").toString());
            assertThat(r.exit()).as(precision).isNotZero();
            assertThat(r.err()).as(precision).contains("--engine onnxruntime runs fp32 only").contains("--engine libtorch");
            assertThat(r.out()).as(precision).isEmpty();
        }
    }
}
