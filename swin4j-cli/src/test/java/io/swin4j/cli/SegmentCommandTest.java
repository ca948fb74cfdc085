package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.engine.Tensors;
import io.swin4j.infer.Segmentation;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.io.Npy;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.TinySegmenters;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;
import io.swin4j.weights.SwinWeights;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code swin segment}, and {@code forward} / {@code inspect} of a segmentation checkpoint, on a tiny random UPerNet. */
class SegmentCommandTest {

    @TempDir
    static Path tmp;
    static Path weights, street, square, corrupt;

    @BeforeAll
    static void setUp() throws Exception {
        weights = TinySegmenters.write(tmp.resolve("tiny_upernet.safetensors"), 11);
        Path images = Files.createDirectories(tmp.resolve("images"));
        street = TinySegmenters.png(images.resolve("a_street.png"), 53, 37, 1);
        square = TinySegmenters.png(images.resolve("b_square.png"), 32, 32, 2);
        corrupt = Files.write(images.resolve("c_corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});
    }

    @Test
    void writesLabelAndOverlayPngsOfTheCoreTaskAndReportsABadFileAtTheEnd() throws Exception {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("segment", "--weights", weights.toString(), "--output", out.toString(), "--no-progress",
                tmp.resolve("images").toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("error: " + corrupt).contains("2 ok, 1 failed");
        List<String> printed = r.out().lines().toList();
        assertThat(printed).hasSize(2);
        assertThat(printed.get(0)).startsWith(street + "\t53x37\t").endsWith("\t-> a_street_label.png, a_street_overlay.png");

        try (SegmentationPredictor p = SegmentationPredictor.builder(weights).build()) {
            for (Path image : List.of(street, square)) {
                String base = image.getFileName().toString().replace(".png", "");
                Segmentation want = p.segment(image);
                BufferedImage label = ImageIO.read(out.resolve(base + "_label.png").toFile());
                assertThat(label.getWidth()).isEqualTo(want.width());
                assertThat(((DataBufferByte) label.getRaster().getDataBuffer()).getData()).isEqualTo(want.labels().labels());
                RgbImage img = new ImageDecoder().decode(image);
                RgbImage overlay = new ImageDecoder().decode(out.resolve(base + "_overlay.png"));
                assertThat(overlay.rgb()).isEqualTo(want.labels().overlay(img, p.palette(), 0.5).rgb());
            }
        }
        List<String> lines = Files.readAllLines(out.resolve(SegmentCommand.JSONL));
        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.get("path").asText()).isEqualTo(street.toString());
        assertThat(first.get("width").asInt()).isEqualTo(53);
        assertThat(first.get("height").asInt()).isEqualTo(37);
        assertThat(first.get("classes").size()).isPositive();
        assertThat(first.get("classes").get(0).get("label").asText()).isIn(TinySegmenters.CLASSES);
        assertThat(first.has("label_png")).isFalse();
        assertThat(first.get("label").asText()).isEqualTo("a_street_label.png");
        assertThat(first.get("overlay").asText()).isEqualTo("a_street_overlay.png");
    }

    @Test
    void slideAndFlipFlagsSetTheMode() throws Exception {
        Path out = tmp.resolve("slide");
        CliRun r = CliRun.of("segment", "--weights", weights.toString(), "--output", out.toString(), "--mode", "slide",
                "--crop", "24x32", "--stride", "16x20", "--flip", street.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        SegmentationMode mode = SegmentationMode.slide(24, 32, 16, 20).optFlip(true);
        try (SegmentationPredictor p = SegmentationPredictor.builder(weights).optMode(mode).build()) {
            BufferedImage label = ImageIO.read(out.resolve("a_street_label.png").toFile());
            assertThat(((DataBufferByte) label.getRaster().getDataBuffer()).getData()).isEqualTo(p.segment(street).labels().labels());
        }
        assertThat(CliRun.of("segment", "--weights", weights.toString(), "--output", out.toString(), "--mode", "slide",
                street.toString()).err()).contains("--mode slide needs --crop and --stride");
    }

    @Test
    void withoutWeightsItRefusesClearly() {
        CliRun r = CliRun.of("segment", street.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("no segmentation model is bundled").contains("--weights");
    }

    @Test
    void aClassifierCheckpointIsRefused() {
        CliRun r = CliRun.of("segment", "--weights", io.swin4j.infer.BundledModel.path().toString(), "--output",
                tmp.resolve("x").toString(), street.toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("not a segmentation");
    }

    @Test
    void forwardWritesTheSegmentationLogitsAtTheInputSize() throws Exception {
        Random rng = new Random(3);
        float[] x = new float[2 * 3 * 37 * 53];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
        Path in = tmp.resolve("x.npy"), out = tmp.resolve("y.npy");
        Npy.write(in, HostTensor.of(x, 2, 3, 37, 53));
        CliRun r = CliRun.of("forward", "--weights", weights.toString(), "--input", in.toString(), "--output", out.toString(),
                "--features");
        assertThat(r.exit()).as(r.err()).isZero();
        HostTensor y = Npy.read(out);
        assertThat(y.shape()).containsExactly(2, 5, 37, 53);
        try (SwinSegmenter model = SwinWeights.load(weights).createSegmenter(); PointerScope s = new PointerScope()) {
            var t = Tensors.fromFloats(x, 2, 3, 37, 53);
            assertThat(y.data()).isEqualTo(Tensors.toFloats(model.forward(t)));
            List<org.bytedeco.pytorch.Tensor> maps = model.backboneFeatures(t);
            for (int i = 0; i < maps.size(); i++) {
                assertThat(Npy.read(ForwardCommand.stagePath(out, i)).data()).isEqualTo(Tensors.toFloats(maps.get(i)));
            }
        }
        assertThat(CliRun.of("forward", "--weights", weights.toString(), "--input", in.toString(), "--output",
                out.toString(), "--embedding").err()).contains("--embedding is for classifiers");
    }

    @Test
    void inspectShowsTheTaskHeadsAndClasses() {
        CliRun r = CliRun.of("inspect", weights.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("segmentation: UPerNet, 5 classes, channels 16, pool scales [1, 2, 3, 6]")
                .contains("auxiliary FCN 8 on stage 2").contains("embed 8, depths [1, 1, 1, 1]")
                .contains("background, road, tree, sky, car").contains("test mode   whole");
        CliRun j = CliRun.of("inspect", "--json", weights.toString());
        assertThat(j.out()).contains("\"task\" : \"SEGMENTATION\"").contains("\"numClasses\" : 5");
    }

    @Test
    void serveOfASegmentationCheckpointRefusesClassifierFlagsAndBadModes() {
        CliRun preset = CliRun.of("serve", "--port", "0", "--weights", weights.toString(), "--preset", "hf");
        assertThat(preset.exit()).isNotZero();
        assertThat(preset.err()).contains("--preset and --labels are for classifiers");
        CliRun slide = CliRun.of("serve", "--port", "0", "--weights", weights.toString(), "--mode", "slide");
        assertThat(slide.exit()).isNotZero();
        assertThat(slide.err()).contains("--mode slide needs --crop and --stride");
    }
}
