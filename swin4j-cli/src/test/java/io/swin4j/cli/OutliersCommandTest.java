package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.infer.BundledModel;
import io.swin4j.weights.SwinWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code swin outliers} on the bundled model with synthetic images in an image folder. */
class OutliersCommandTest {

    /** root/val/{a,b}/ with three random 28×28 RGB images each. */
    private static Path folder(Path root) throws Exception {
        Random rng = new Random(19);
        for (String c : new String[] {"a", "b"}) {
            Path dir = Files.createDirectories(root.resolve("val").resolve(c));
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 28; y++) for (int x = 0; x < 28; x++) img.setRGB(x, y, rng.nextInt(1 << 24));
                ImageIO.write(img, "png", dir.resolve(i + ".png").toFile());
            }
        }
        return root;
    }

    @Test
    void bundledModelReportsEveryBlockWithJsonAndPlots(@TempDir Path tmp) throws Exception {
        Path data = folder(tmp.resolve("data"));
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("outliers", "--data", data.toString(), "--batches", "2", "--batch-size", "2",
                "--workers", "1", "--output", out.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        int[] depths = SwinWeights.load(BundledModel.path()).config().depths();
        int blocks = 0;
        for (int d : depths) blocks += d;
        assertThat(j.get("samples").asInt()).as("2 batches of 2").isEqualTo(4);
        assertThat(j.get("blocks")).hasSize(blocks);
        double max = 0, kurt = 0;
        for (JsonNode b : j.get("blocks")) {
            max = Math.max(max, b.get("inf_norm").asDouble());
            kurt += b.get("kurtosis").asDouble() / blocks;
            assertThat(b.get("ffn_inf_norm").asDouble()).isPositive();
            assertThat(b.get("head_max_prob").size()).isPositive();
            for (JsonNode h : b.get("head_max_prob")) assertThat(h.asDouble()).isBetween(0.0, 1.0);
        }
        assertThat(j.get("summary").get("max_inf_norm").asDouble()).isEqualTo(max);
        assertThat(j.get("summary").get("average_kurtosis").asDouble()).isCloseTo(kurt,
                org.assertj.core.api.Assertions.within(1e-9 * Math.max(1, kurt)));
        assertThat(out.resolve("outliers.json")).exists();
        assertThat(out.resolve("summary.png")).exists();
        assertThat(out.resolve("attention.png")).exists();
        assertThat(out.resolve("layers.0.blocks.0.png")).exists();
    }

    @Test
    void printsTheTableAndTheSummaryLine(@TempDir Path tmp) throws Exception {
        Path data = folder(tmp.resolve("data"));
        CliRun r = CliRun.of("outliers", "--data", data.toString(), "--batches", "1", "--batch-size", "3", "--workers", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("layers.0.blocks.0").containsPattern("max ‖x‖∞ [0-9.]+, average kurtosis [0-9.]+");
    }

    @Test
    void badFlagsAndDataFailWithAClearMessage(@TempDir Path tmp) {
        CliRun none = CliRun.of("outliers");
        assertThat(none.exit()).isNotZero();
        assertThat(none.err()).contains("--data DIR").contains("--dataset fashion-mnist");
        CliRun zero = CliRun.of("outliers", "--data", tmp.toString(), "--batches", "0");
        assertThat(zero.exit()).isNotZero();
        assertThat(zero.err()).contains("--batches must be at least 1");
        CliRun missing = CliRun.of("outliers", "--data", tmp.resolve("nowhere").toString());
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("swin outliers:").contains("nowhere");
    }
}
