package io.swin4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.swin4j.vision.ImageDecodeException;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pipeline's steps with a task of its own (no model, no libtorch): real files through the real decoder, inputs
 * of different sizes (as a segmentation task has), results in input order with failures in place, streaming, and
 * the batch, forward and post-process steps apart (a server's micro-batches).
 */
class PipelineTest {

    @TempDir
    static Path dir;
    static Path a, b, c, d, corrupt, big, narrow, missing;

    /** Input: width, height and the first pixel's red; batches by size; answers "WxH:red@batchSize". */
    static class SizeTask implements Task<int[], List<String>, String> {
        final List<String> events;
        final int maxBatch;
        final String tag;

        SizeTask(List<String> events, int maxBatch, String tag) {
            this.events = events;
            this.maxBatch = maxBatch;
            this.tag = tag;
        }

        @Override public String name() { return "size"; }

        @Override
        public int[] preprocess(RgbImage image, ImageLimits limits) {
            if (image.width() == 13) throw new IllegalArgumentException("13 columns refused");
            return new int[] {image.width(), image.height(), image.rgb()[0] & 0xff};
        }

        @Override public Object batchKey(int[] in) { return in[0] + "x" + in[1]; }

        @Override public int maxBatch() { return maxBatch; }

        @Override
        public List<String> forward(List<int[]> inputs) {
            List<String> out = new ArrayList<>();
            for (int[] in : inputs) out.add(tag + in[0] + "x" + in[1] + ":" + in[2] + "@" + inputs.size());
            events.add("forward " + inputs.get(0)[0] + "x" + inputs.get(0)[1] + " of " + inputs.size());
            return out;
        }

        @Override public String postprocess(List<String> batch, int index, int[] input) { return batch.get(index); }

        @Override public JsonNode toJson(String value) { return TextNode.valueOf(value); }
    }

    static Path png(String name, int w, int h, int red) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, red << 16);
        Path p = dir.resolve(name);
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    @BeforeAll
    static void images() throws IOException {
        a = png("a.png", 8, 8, 10);
        b = png("b.png", 16, 8, 20);
        c = png("c.png", 8, 8, 30);
        d = png("d.png", 8, 8, 40);
        big = png("big.png", 64, 64, 50);
        narrow = png("narrow.png", 13, 8, 60);
        corrupt = dir.resolve("corrupt.png");
        Files.write(corrupt, Arrays.copyOf(Files.readAllBytes(a), 20)); // a PNG header, then nothing
        missing = dir.resolve("missing.png");
    }

    static Pipeline<String> pipeline(List<String> events, int batchSize, int maxBatch) {
        return Pipeline.of(new SizeTask(events, maxBatch, ""), new ImageDecoder(), batchSize)
                .withLimits(ImageLimits.DEFAULTS.withMaxPixels(1000));
    }

    static List<ImageSource> files(Path... paths) {
        return Arrays.stream(paths).map(ImageSource::file).toList();
    }

    @Test
    void resultsComeInInputOrderWithEachFailureInItsPlace() {
        List<String> events = new ArrayList<>();
        List<Result<String>> results = pipeline(events, 16, Integer.MAX_VALUE)
                .run(files(a, corrupt, b, big, c, missing, narrow), null);

        assertThat(results).extracting(Result::source).containsExactly(a.toString(), corrupt.toString(), b.toString(),
                big.toString(), c.toString(), missing.toString(), narrow.toString());
        assertThat(results).extracting(Result::value).containsExactly("8x8:10@2", null, "16x8:20@1", null, "8x8:30@2", null, null);
        assertThat(results.get(1).error()).startsWith(corrupt + ": ").contains("corrupt or truncated");
        assertThat(results.get(3).error()).isEqualTo(big + ": image of 64x64 = 4096 pixels exceeds the limit of 1000"
                + " (possible decompression bomb)");
        assertThat(results.get(5).error()).isEqualTo(missing + ": no such file");
        assertThat(results.get(6).error()).as("a preprocess failure, prefixed with its file").isEqualTo(narrow + ": 13 columns refused");
        assertThat(results).filteredOn(Result::ok).allSatisfy(r -> assertThat(r.error()).isNull());
        // Grouped by shape in order of first appearance: the two 8x8 images in one forward pass, the 16x8 in another.
        assertThat(events).containsExactly("forward 8x8 of 2", "forward 16x8 of 1");
    }

    @Test
    void eachResultIsHandedOnAsItsBatchFinishesBeforeTheNextBatchRuns() {
        List<String> events = new ArrayList<>();
        List<Result<String>> returned = pipeline(events, 2, Integer.MAX_VALUE)
                .run(files(a, b, c, corrupt, d), r -> events.add("result " + Path.of(r.source()).getFileName()));
        assertThat(events).containsExactly(
                "forward 8x8 of 1", "forward 16x8 of 1", "result a.png", "result b.png",
                "forward 8x8 of 1", "result c.png", "result corrupt.png",
                "forward 8x8 of 1", "result d.png");
        assertThat(returned).extracting(r -> Path.of(r.source()).getFileName().toString())
                .containsExactly("a.png", "b.png", "c.png", "corrupt.png", "d.png");
    }

    @Test
    void aGroupRunsInForwardPassesOfAtMostTheTasksMaxBatch() {
        List<String> events = new ArrayList<>();
        List<Result<String>> results = pipeline(events, 16, 2).run(files(a, c, d, b), null);
        assertThat(events).containsExactly("forward 8x8 of 2", "forward 8x8 of 1", "forward 16x8 of 1");
        assertThat(results).extracting(Result::value).containsExactly("8x8:10@2", "8x8:30@2", "8x8:40@1", "16x8:20@1");
    }

    @Test
    void bytesReadersAndDecodedImagesAreSourcesToo() throws IOException {
        List<String> events = new ArrayList<>();
        RgbImage decoded = new ImageDecoder().decode(b);
        List<Result<String>> results = pipeline(events, 16, Integer.MAX_VALUE).run(List.of(
                ImageSource.bytes(Files.readAllBytes(a), "upload-a"),
                ImageSource.reader("remote-c", () -> Files.readAllBytes(c)),
                ImageSource.reader("remote-gone", () -> { throw new IOException("connection reset"); }),
                ImageSource.image(decoded, "decoded-b"),
                ImageSource.bytes(new byte[0], "empty")), null);
        assertThat(results).extracting(Result::source).containsExactly("upload-a", "remote-c", "remote-gone", "decoded-b", "empty");
        assertThat(results).extracting(Result::value).containsExactly("8x8:10@2", "8x8:30@2", null, "16x8:20@1", null);
        assertThat(results.get(2).error()).isEqualTo("remote-gone: connection reset");
        assertThat(results.get(4).error()).isEqualTo("empty: empty file");
    }

    @Test
    void preparedInputsOfSeveralPipelinesRunTogetherAndAnswerInInputOrder() {
        List<String> events = new CopyOnWriteArrayList<>();
        Pipeline<String> left = Pipeline.of(new SizeTask(events, 8, "L"), new ImageDecoder(), 8);
        Pipeline<String> right = Pipeline.of(new SizeTask(events, 8, "R"), new ImageDecoder(), 8);
        List<Prepared<?>> gathered = List.of(left.prepare(ImageSource.file(a)), right.prepare(ImageSource.file(b)),
                left.prepare(ImageSource.file(c)), right.prepare(ImageSource.file(d)));
        assertThat(gathered).allMatch(Prepared::ok);
        assertThat(Pipeline.inferMixed(gathered)).containsExactly("L8x8:10@2", "R16x8:20@1", "L8x8:30@2", "R8x8:40@1");
        assertThat(events).containsExactly("forward 8x8 of 2", "forward 16x8 of 1", "forward 8x8 of 1");
    }

    @Test
    void completeKeepsFailedInputsInPlaceAndInferRefusesThem() {
        Pipeline<String> p = pipeline(new ArrayList<>(), 8, 8);
        Prepared<String> good = p.prepare(ImageSource.file(a));
        Prepared<String> bad = p.prepare(ImageSource.file(missing));
        assertThat(bad.ok()).isFalse();
        assertThat(bad.error()).isEqualTo(missing + ": no such file");
        assertThat(p.complete(List.of(bad, good))).containsExactly(Result.failed(missing.toString(), missing + ": no such file"),
                Result.ok(a.toString(), "8x8:10@1"));
        assertThatThrownBy(() -> p.infer(List.of(good, bad))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no such file");
        Pipeline<String> other = pipeline(new ArrayList<>(), 8, 8);
        assertThatThrownBy(() -> other.infer(List.of(good))).hasMessageContaining("prepared by another pipeline");
    }

    @Test
    void aFailedForwardPassIsTheCallersNotAnInputsAndRunOneThrowsWhatTheStepThrew() {
        Task<int[], List<String>, String> failing = new SizeTask(new ArrayList<>(), 8, "") {
            @Override public List<String> forward(List<int[]> inputs) { throw new IllegalStateException("device lost"); }
        };
        Pipeline<String> p = Pipeline.of(failing, new ImageDecoder(), 4);
        assertThatThrownBy(() -> p.run(files(a, corrupt), null)).isInstanceOf(IllegalStateException.class).hasMessage("device lost");
        assertThatThrownBy(() -> p.runOne(ImageSource.file(missing))).isInstanceOf(ImageDecodeException.class)
                .hasMessage(missing + ": no such file");
        assertThatThrownBy(() -> p.runOne(ImageSource.file(narrow))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("13 columns refused");
        // nothing valid: no forward pass at all
        assertThat(p.run(files(corrupt, missing), null)).extracting(Result::ok).containsExactly(false, false);
    }

    @Test
    void theErrorRuleIsSourceColonReason() {
        assertThat(Failures.message("x.png", new ImageDecodeException("x.png", "empty file"))).isEqualTo("x.png: empty file");
        assertThat(Failures.message("x.png", new IllegalArgumentException("too wide"))).isEqualTo("x.png: too wide");
        assertThat(Failures.message("x.png", new IllegalStateException())).isEqualTo("x.png: java.lang.IllegalStateException");
    }
}
