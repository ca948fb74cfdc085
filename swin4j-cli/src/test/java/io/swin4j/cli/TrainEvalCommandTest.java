package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.model.SwinConfig;
import io.swin4j.train.TrainConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code swin train} and {@code swin eval} as a user runs them: a tiny run end to end, and the bad-input paths. */
class TrainEvalCommandTest {

    @TempDir
    static Path tmp;
    static Path data, config;

    static final int VAL_PER_CLASS = 4;

    /**
     * An image folder of the ten bundled Fashion-MNIST samples, one per class, in train/; val/ holds each sample and three
     * variants of it (mirrored, shifted, low contrast), so that the near-chance model ranks the true classes variously.
     */
    @BeforeAll
    static void folder() throws IOException {
        Path[] made = tinyRun(tmp);
        data = made[0];
        config = made[1];
    }

    /** Builds the image folder and the tiny model's settings file under {@code root}: {data, config}. */
    static Path[] tinyRun(Path root) throws IOException {
        Path data = root.resolve("data");
        List<Path> samples = Samples.all();
        assertThat(samples).hasSize(10);
        for (String split : new String[] {"train", "val"}) {
            for (Path p : samples) {
                Path dir = Files.createDirectories(data.resolve(split).resolve(Samples.trueClass(p)));
                Files.copy(p, dir.resolve("a.png"));
                if (split.equals("val")) writeVariants(p, dir);
            }
        }
        TrainConfig c = TrainConfig.fashionMnist();
        c.model = SwinConfig.builder().optName("cli_test").optImgSize(28).optPatchSize(4).optEmbedDim(16).optDepths(2)
                .optNumHeads(2).optWindowSize(7).build();
        Path config = root.resolve("tiny.yaml");
        c.write(config);
        return new Path[] {data, config};
    }

    private static void writeVariants(Path sample, Path dir) throws IOException {
        BufferedImage img = ImageIO.read(sample.toFile());
        int w = img.getWidth(), h = img.getHeight();
        BufferedImage[] out = new BufferedImage[3];
        for (int v = 0; v < 3; v++) out[v] = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int g = img.getRaster().getSample(x, y, 0);
                out[0].getRaster().setSample(w - 1 - x, y, 0, g);
                if (x + 3 < w) out[1].getRaster().setSample(x + 3, y, 0, g);
                out[2].getRaster().setSample(x, y, 0, 64 + g / 2);
            }
        }
        for (int v = 0; v < 3; v++) ImageIO.write(out[v], "png", dir.resolve("v" + v + ".png").toFile());
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
        assertThat(report.get("samples").asInt()).isEqualTo(10 * VAL_PER_CLASS);
        assertThat(report.get("classes")).hasSize(10);
        assertThat(report.get("classes").get(0).asText()).isEqualTo("ankle-boot");
        assertThat(report.get("confusion")).hasSize(10);
        assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');

        CliRun text = CliRun.of("eval", "--weights", run.resolve("model.safetensors").toString(), "--dataset", "folder", "--data",
                data.toString());
        assertThat(text.out()).contains("top-1").contains("per class:").contains("ankle-boot").contains("confusion matrix");

        // The report against an independent count: `swin predict` (which carries the trained model's class names and
        // preprocessing) on the same val images, its ranked predictions read from the JSON "predictions" field.
        List<String> classes = new ArrayList<>();
        report.get("classes").forEach(n -> classes.add(n.asText()));
        assertThat(classes).as("the folder's class directories, sorted")
                .isEqualTo(Samples.all().stream().map(Samples::trueClass).sorted().toList());
        Map<String, Integer> truth = new HashMap<>();
        List<String> args = new ArrayList<>(List.of("predict", "--weights", run.resolve("model.safetensors").toString(), "--format",
                "json", "--top-k", "10"));
        try (Stream<Path> files = Files.walk(data.resolve("val"))) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                truth.put(f.toString(), classes.indexOf(f.getParent().getFileName().toString()));
                args.add(f.toString());
            }
        }
        int n = 10 * VAL_PER_CLASS;
        assertThat(truth).hasSize(n).doesNotContainValue(-1);
        CliRun p = CliRun.of(args.toArray(String[]::new));
        assertThat(p.exit()).as(p.err()).isZero();
        long[][] expected = new long[10][10];
        int top1 = 0, top5 = 0;
        double lossSum = 0;
        List<String> lines = p.out().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).hasSize(n);
        for (String line : lines) {
            JsonNode o = new ObjectMapper().readTree(line);
            Integer trueClass = truth.get(o.get("path").asText());
            assertThat(trueClass).as("true class of %s", o.get("path")).isNotNull();
            JsonNode preds = o.get("predictions");
            assertThat(preds).hasSize(10);
            int predicted = preds.get(0).get("index").asInt();
            assertThat(preds.get(0).get("label").asText()).as("label of class %d", predicted).isEqualTo(classes.get(predicted));
            expected[trueClass][predicted]++;
            if (predicted == trueClass) top1++;
            for (int r = 0; r < 10; r++) {
                JsonNode pr = preds.get(r);
                if (pr.get("index").asInt() == trueClass) {
                    if (r < 5) top5++;
                    lossSum -= Math.log(pr.get("probability").asDouble());
                }
            }
        }
        long[][] reported = new long[10][10];
        for (int i = 0; i < 10; i++) for (int j = 0; j < 10; j++) reported[i][j] = report.get("confusion").get(i).get(j).asLong();
        assertThat(reported).as("confusion matrix (rows: true, columns: predicted) against predict's top-1").isDeepEqualTo(expected);
        long trace = 0;
        for (int i = 0; i < 10; i++) trace += reported[i][i];
        assertThat(report.get("top1").asDouble()).as("top-1 = trace / total").isEqualTo((double) trace / n).isEqualTo((double) top1 / n);
        assertThat(report.get("top5").asDouble()).as("top-5 from predict's ranking").isEqualTo((double) top5 / n);
        assertThat(report.get("loss").asDouble()).as("mean −log p(true class)").isCloseTo(lossSum / n, within(1e-4));
        for (int c = 0; c < 10; c++) {
            JsonNode pc = report.get("perClass").get(classes.get(c));
            assertThat(pc.get("samples").asLong()).isEqualTo(VAL_PER_CLASS);
            assertThat(pc.get("accuracy").asDouble()).as("accuracy of %s", classes.get(c)).isEqualTo((double) expected[c][c] / VAL_PER_CLASS);
        }
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
