package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.model.SwinConfig;
import io.swin4j.train.TrainConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code swin train} and {@code swin eval} as a user runs them: a tiny run end to end, and the bad-input paths. */
class TrainEvalCommandTest {

    @TempDir
    static Path tmp;
    static Path data, config;

    /** An image folder of the ten bundled Fashion-MNIST samples, one per class, in train/ and val/. */
    @BeforeAll
    static void folder() throws IOException {
        data = tmp.resolve("data");
        List<Path> samples = Samples.all();
        assertThat(samples).hasSize(10);
        for (String split : new String[] {"train", "val"}) {
            for (Path p : samples) {
                Path dir = Files.createDirectories(data.resolve(split).resolve(Samples.trueClass(p)));
                Files.copy(p, dir.resolve("a.png"));
            }
        }
        TrainConfig c = TrainConfig.fashionMnist();
        c.model = SwinConfig.builder().optName("cli_test").optImgSize(28).optPatchSize(4).optEmbedDim(16).optDepths(2)
                .optNumHeads(2).optWindowSize(7).build();
        config = tmp.resolve("tiny.yaml");
        c.write(config);
    }

    @Test
    void trainThenEvalThenPredictWithTheTrainedModel() throws Exception {
        Path run = tmp.resolve("run");
        CliRun t = CliRun.of("train", "--output", run.toString(), "--config", config.toString(), "--dataset", "folder",
                "--data", data.toString(), "--epochs", "2", "--warmup-epochs", "0", "--batch-size", "5", "--threads", "1",
                "--set", "hflip=0", "--no-progress");
        assertThat(t.exit()).as(t.err()).isZero();
        assertThat(t.out()).contains("training cli_test").contains("on 10 images, 10 classes").contains("epoch 1: train loss")
                .contains("epoch 2: train loss").contains("done: 2 epochs");
        for (String f : new String[] {"train-config.json", "metrics.jsonl", "metrics.csv", "curves.png", "model.safetensors",
                "best.safetensors", "checkpoints/latest.json"}) {
            assertThat(run.resolve(f)).as(f).isNotEmptyFile();
        }
        JsonNode saved = new ObjectMapper().readTree(run.resolve("train-config.json").toFile());
        assertThat(saved.get("hflip").asDouble()).isZero();
        assertThat(saved.get("model").get("name").asText()).isEqualTo("cli_test");

        Path png = tmp.resolve("cm.png");
        CliRun e = CliRun.of("eval", "--weights", run.resolve("model.safetensors").toString(), "--dataset", "folder", "--data",
                data.toString(), "--json", "--confusion", png.toString());
        assertThat(e.exit()).as(e.err()).isZero();
        JsonNode report = new ObjectMapper().readTree(e.out());
        assertThat(report.get("samples").asInt()).isEqualTo(10);
        assertThat(report.get("classes")).hasSize(10);
        assertThat(report.get("classes").get(0).asText()).isEqualTo("ankle-boot");
        assertThat(report.get("confusion")).hasSize(10);
        long total = 0;
        for (JsonNode row : report.get("confusion")) for (JsonNode v : row) total += v.asLong();
        assertThat(total).isEqualTo(10);
        assertThat(report.get("top1").asDouble()).isBetween(0.0, 1.0);
        assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');

        CliRun text = CliRun.of("eval", "--weights", run.resolve("model.safetensors").toString(), "--dataset", "folder", "--data",
                data.toString());
        assertThat(text.out()).contains("top-1").contains("per class:").contains("ankle-boot").contains("confusion matrix");

        // The trained model carries its class names and preprocessing: predict uses them.
        CliRun p = CliRun.of("predict", "--weights", run.resolve("model.safetensors").toString(), "--format", "json",
                "--top-k", "1", Samples.DIR.resolve("0002-trouser.png").toString());
        assertThat(p.exit()).as(p.err()).isZero();
        String label = new ObjectMapper().readTree(p.out().lines().findFirst().orElseThrow()).toString();
        assertThat(List.of("ankle-boot", "bag", "coat", "dress", "pullover", "sandal", "shirt", "sneaker", "t-shirt-top", "trouser"))
                .anyMatch(label::contains);
    }

    @Test
    void badSettingsAreOneClearLineAndExitOne(@TempDir Path dir) {
        String out = dir.resolve("r").toString();
        assertError(CliRun.of("train", "--no-progress"), "give either --output RUN_DIR");
        assertError(CliRun.of("train", "--output", out, "--recipe", "imagenet"), "unknown recipe 'imagenet'");
        assertError(CliRun.of("train", "--output", out, "--recipe", "fashion-mnist", "--set", "epoch=3"), "--set epoch=3");
        assertError(CliRun.of("train", "--output", out, "--dataset", "folder", "--data", data.toString(), "--epochs", "0"),
                "epochs must be >= 1");
        assertError(CliRun.of("train", "--output", out, "--config", dir.resolve("missing.yaml").toString()), "missing.yaml");
        assertError(CliRun.of("train", "--resume", dir.toString(), "--epochs", "3"), "give no other training settings");
        assertError(CliRun.of("train", "--resume", dir.toString()), "not a run directory");
        assertError(CliRun.of("train", "--output", out, "--dataset", "folder", "--data", dir.resolve("nowhere").toString()), "nowhere");
        assertThat(Files.exists(dir.resolve("r"))).as("no run directory is left behind by a refused run").isFalse();
        assertError(CliRun.of("eval", "--weights", dir.resolve("none.safetensors").toString(), "--dataset", "folder", "--data",
                data.toString()), "none.safetensors");
    }

    private static void assertError(CliRun r, String expected) {
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.err()).contains(expected).doesNotContain("\tat ");
    }
}
