package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code swin train --task segmentation} and {@code swin eval --task segmentation} as a user runs them. */
class SegmentationTrainEvalCommandTest {

    @TempDir
    static Path tmp;
    static Path data, config;

    /** A folder of 12 + 4 scenes of 40 px: noise with a red square (class 1), classes.txt; one corrupt val image. */
    @BeforeAll
    static void folder() throws IOException {
        data = tmp.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("classes.txt"), "background\nsquare\n");
        Random rng = new Random(3);
        for (String split : new String[] {"train", "val"}) {
            Path images = Files.createDirectories(data.resolve("images").resolve(split));
            Path masks = Files.createDirectories(data.resolve("masks").resolve(split));
            for (int i = 0; i < (split.equals("train") ? 12 : 4); i++) {
                int side = 40;
                byte[] rgb = new byte[side * side * 3], mask = new byte[side * side];
                for (int p = 0; p < rgb.length; p++) rgb[p] = (byte) (80 + rng.nextInt(60));
                int s = 10 + rng.nextInt(12), x0 = rng.nextInt(side - s), y0 = rng.nextInt(side - s);
                for (int y = y0; y < y0 + s; y++) {
                    for (int x = x0; x < x0 + s; x++) {
                        int p = y * side + x;
                        rgb[3 * p] = (byte) 220;
                        rgb[3 * p + 1] = 30;
                        rgb[3 * p + 2] = 30;
                        mask[p] = 1;
                    }
                }
                String name = String.format("%02d.png", i);
                Files.write(images.resolve(name), new RgbImage(side, side, rgb).toPng());
                BufferedImage m = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
                m.getRaster().setDataElements(0, 0, side, side, mask);
                ImageIO.write(m, "png", masks.resolve(name).toFile());
            }
        }
        config = tmp.resolve("tiny.yaml");
        Files.writeString(config, """
                model: {name: seg_cli_test, imgSize: 32, patchSize: 4, inChans: 3, numClasses: 2, embedDim: 16, depths: [2, 2],
                        numHeads: [1, 2], windowSize: 4, mlpRatio: 4.0, qkvBias: true, ape: false, patchNorm: true, dropRate: 0.0,
                        attnDropRate: 0.0, dropPathRate: 0.1, sizeRule: PADDED, family: V1, pretrainedWindowSizes: [0, 0]}
                channels: 16
                auxChannels: 8
                auxInIndex: 1
                imgScale: [160, 40]
                lr: 0.002
                warmupIters: 2
                logInterval: 1
                """);
    }

    @Test
    void trainThenEvaluateASegmentationModel() throws Exception {
        Path run = tmp.resolve("run");
        CliRun t = CliRun.of("train", "--task", "segmentation", "--config", config.toString(), "--data", data.toString(), "--output",
                run.toString(), "--iterations", "6", "--eval-interval", "3", "--batch-size", "4", "--crop", "32", "--threads", "1",
                "--val-limit", "3", "--no-progress");
        assertThat(t.exit()).as(t.err()).isZero();
        assertThat(t.out()).contains("training UPerNet on seg_cli_test").contains("on 12 images, 2 classes")
                .contains("iteration 3: val mIoU").contains("iteration 6: val mIoU").contains("done: 6 iterations");
        JsonNode saved = new ObjectMapper().readTree(run.resolve("train-config.json").toFile());
        assertThat(saved.get("task").asText()).isEqualTo("segmentation");
        assertThat(saved.get("crop").toString()).isEqualTo("[32,32]");

        // The fourth validation image is corrupt: scored images are reported, the bad one named, exit 1.
        Files.write(data.resolve("images").resolve("val").resolve("03.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path png = tmp.resolve("confusion.png");
        CliRun e = CliRun.of("eval", "--task", "segmentation", "--weights", run.resolve("model.safetensors").toString(), "--data",
                data.toString(), "--json", "--confusion", png.toString(), "--no-progress");
        assertThat(e.exit()).as(e.err()).isEqualTo(1);
        assertThat(e.err()).contains("skipped").contains("03.png").contains("1 images could not be read");
        JsonNode report = new ObjectMapper().readTree(e.out());
        assertThat(report.get("images").asInt()).isEqualTo(3);
        assertThat(report.get("failed").asInt()).isEqualTo(1);
        assertThat(report.get("mIoU").asDouble()).isBetween(0.0, 1.0);
        assertThat(report.get("perClass").get("square").get("IoU").isNumber()).isTrue();
        assertThat(report.get("confusion").size()).isEqualTo(2);
        long pixels = 0;
        for (JsonNode row : report.get("confusion")) for (JsonNode v : row) pixels += v.asLong();
        assertThat(pixels).as("labelled pixels of the 3 scored images").isEqualTo(3 * 40 * 40);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isGreaterThan(400);

        // The same numbers as text; slide mode runs too.
        CliRun text = CliRun.of("eval", "--task", "segmentation", "--weights", run.resolve("model.safetensors").toString(), "--data",
                data.toString(), "--limit", "3", "--mode", "slide", "--crop", "24", "--stride", "16", "--no-progress");
        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(text.out()).contains("mIoU").contains("slide crop 24x24 stride 16x16").contains("square").contains("background");
    }

    @Test
    void refusesClassificationSettingsAndBadModes() {
        CliRun t = CliRun.of("train", "--task", "segmentation", "--data", data.toString(), "--output", tmp.resolve("x").toString(),
                "--mixup", "0.2", "--epochs", "3");
        assertThat(t.exit()).isNotZero();
        assertThat(t.err()).contains("--epochs").contains("--mixup").contains("classification settings");
        assertThat(tmp.resolve("x")).doesNotExist();
        CliRun c = CliRun.of("train", "--output", tmp.resolve("y").toString(), "--data", data.toString(), "--iterations", "5");
        assertThat(c.exit()).isNotZero();
        assertThat(c.err()).contains("segmentation settings");
        CliRun e = CliRun.of("eval", "--task", "segmentation", "--weights", config.toString(), "--data", data.toString(),
                "--mode", "slide", "--crop", "8");
        assertThat(e.exit()).isNotZero();
        CliRun k = CliRun.of("eval", "--mode", "slide", "--data", data.toString());
        assertThat(k.exit()).isNotZero();
        assertThat(k.err()).contains("segmentation options");
    }
}
