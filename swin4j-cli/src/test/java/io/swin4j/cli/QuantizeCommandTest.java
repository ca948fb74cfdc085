package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.train.data.FashionMnist;
import io.swin4j.train.data.FashionMnistDataset;
import io.swin4j.weights.SwinWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code swin quantize} and {@code --precision int8} on the bundled model. The accuracy targets are the issue's: top-1
 * agreement with fp32 of at least 99% on the 10,000 test images and a top-1 drop of at most 0.5 points from fp32's
 * 92.3% (README: the bundled model's measured test accuracy).
 */
class QuantizeCommandTest {

    static final double FP32_TOP1 = 0.923;

    @Test
    void calibratedInt8FileMeetsTheAccuracyTargetOnTheTestSet(@TempDir Path dir) throws Exception {
        Samples.requireFashionMnist();
        Path calib = Files.createDirectories(dir.resolve("calib"));
        FashionMnistDataset train = new FashionMnistDataset(FashionMnist.train(FashionMnist.locate(null)), "train");
        for (int i = 0; i < 256; i++) Files.write(calib.resolve(i + ".png"), train.image(i).toPng());
        Path q = dir.resolve("q.safetensors");
        CliRun r = CliRun.of("quantize", "--calibration", calib.toString(), "--output", q.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("static activations").contains("17 layers").contains("calibrated on 256 images (minmax)");
        assertThat(SwinWeights.load(q).int8()).isNotNull();

        JsonNode report = eval("--weights", q.toString());
        assertThat(report.get("precision").asText()).isEqualTo("int8 static");
        assertThat(report.get("samples").asInt()).isEqualTo(10_000);
        assertThat(report.at("/agreementWithFp32/top1Agreement").asDouble()).isGreaterThanOrEqualTo(0.99);
        assertThat(report.get("top1").asDouble()).isGreaterThanOrEqualTo(FP32_TOP1 - 0.005);
    }

    @Test
    void dynamicInt8OfTheBundledModelMeetsTheAccuracyTarget() throws Exception {
        Samples.requireFashionMnist();
        JsonNode report = eval("--precision", "int8");
        assertThat(report.get("precision").asText()).isEqualTo("int8 dynamic");
        assertThat(report.at("/agreementWithFp32/top1Agreement").asDouble()).isGreaterThanOrEqualTo(0.99);
        assertThat(report.at("/agreementWithFp32/inputs").asInt()).isEqualTo(10_000);
        assertThat(report.get("top1").asDouble()).isGreaterThanOrEqualTo(FP32_TOP1 - 0.005);
    }

    private static JsonNode eval(String... model) throws IOException {
        String[] ordered = new String[model.length + 7];
        ordered[0] = "eval";
        System.arraycopy(model, 0, ordered, 1, model.length);
        System.arraycopy(new String[] {"--dataset", "fashion-mnist", "--split", "test", "--json", "--no-progress"}, 0,
                ordered, 1 + model.length, 6);
        CliRun r = CliRun.of(ordered);
        assertThat(r.exit()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void dynamicFileWithoutCalibrationPredictsTheSamples(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("dyn.safetensors");
        CliRun r = CliRun.of("quantize", "--output", q.toString(), "--head");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("dynamic activations, head").contains("18 layers");
        CliRun inspect = CliRun.of("inspect", q.toString());
        assertThat(inspect.out()).contains("int8        int8 (weights per channel, dynamic activations, head), 18 layers")
                .contains("I8=");
        CliRun predict = CliRun.of("predict", "--weights", q.toString(), "--format", "csv", Samples.DIR.toString());
        assertThat(predict.exit()).as(predict.err()).isZero();
        long right = predict.out().lines().skip(1).filter(l -> {
            String[] f = l.split(","); // path,rank,index,label,probability
            return f[1].equals("1")
                    && Samples.trueClass(Path.of(f[0])).equals(f[3].toLowerCase().replace('/', '-').replace(' ', '-'));
        }).count();
        assertThat(right).as(predict.out()).isGreaterThanOrEqualTo(8);
        // an int8 file is not quantized twice
        CliRun again = CliRun.of("quantize", "--weights", q.toString(), "--output", dir.resolve("x.safetensors").toString());
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).contains("is already int8");
    }

    @Test
    void unreadableCalibrationImagesAreReportedAndTheRestCalibrate(@TempDir Path dir) throws Exception {
        Path calib = Files.createDirectories(dir.resolve("calib"));
        try (var s = Files.list(Samples.DIR)) {
            for (Path p : s.toList()) Files.copy(p, calib.resolve(p.getFileName()));
        }
        Files.write(calib.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path q = dir.resolve("q.safetensors");
        CliRun r = CliRun.of("quantize", "--calibration", calib.toString(), "--method", "percentile", "--output", q.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("swin quantize: skipped " + calib.resolve("broken.png"))
                .doesNotContain(calib.resolve("broken.png") + ": " + calib.resolve("broken.png"));
        assertThat(r.out()).contains("calibrated on 10 images (percentile)");
        assertThat(SwinWeights.load(q).int8().info()).extracting(m -> ((java.util.Map<?, ?>) m.get("info")).get("percentile"))
                .isEqualTo(99.99);
    }

    @Test
    void badFlagsAreClearErrors(@TempDir Path dir) {
        String out = dir.resolve("q.safetensors").toString();
        CliRun method = CliRun.of("quantize", "--calibration", Samples.DIR.toString(), "--method", "kl", "--output", out);
        assertThat(method.exit()).isNotZero();
        assertThat(method.err()).contains("unknown calibration method 'kl': expected minmax, percentile or mse");
        CliRun missing = CliRun.of("quantize", "--calibration", dir.resolve("nope").toString(), "--output", out);
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("--calibration " + dir.resolve("nope") + ": not a directory");
        CliRun precision = CliRun.of("predict", "--precision", "int4", Samples.DIR.toString());
        assertThat(precision.exit()).isNotZero();
        assertThat(precision.err()).contains("unknown precision 'int4': expected fp32, bf16 or int8");
        assertThat(Files.exists(Path.of(out))).isFalse();
    }

}
