package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.HostileImages;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.ImageLimits;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18: in a batch, one image's decoder exception, refusal or OutOfMemoryError is that image's error ("file:
 * reason") and the batch goes on, under the hostile JVM's small heap (384m).
 */
@Tag("hostile")
class PredictorBatchBudgetTest {

    private static final Path DIR = Fixtures.root().resolve("predict");

    @Test
    void everyHostileImageIsItsOwnErrorAndTheOthersAreClassified(@TempDir Path tmp) throws Exception {
        JsonNode expected = Fixtures.json(DIR.resolve("expected.json"));
        Path good = DIR.resolve("images/a_landscape.jpg");
        Path bmp = Files.write(tmp.resolve("bomb.bmp"), HostileImages.bmpEmbeddedJpeg());
        Path tiff = Files.write(tmp.resolve("bomb.tif"), HostileImages.tiffDeflateStrip());
        Path thin = Files.write(tmp.resolve("thin.png"), HostileImages.greyPng(10900, 1));
        int side = 8500; // RGBA, under the pixel limit: 7 bytes a pixel to decode, more than the heap
        assertThat(Runtime.getRuntime().maxMemory()).as("this test needs a heap under %d bytes", 7L * side * side).isLessThan(7L * side * side);
        Path huge = Files.write(tmp.resolve("huge.png"), HostileImages.png(side, side, 6, (y, row) -> { }));
        List<Path> files = List.of(good, bmp, tiff, huge, thin, good);
        try (SwinPredictor p = SwinPredictor.builder(DIR.resolve(expected.get("weights").asText())).optBatchSize(4).build()) {
            List<SwinPredictor.Result<List<Prediction>>> results = p.classifyAll(files, 5, null);
            assertThat(results).hasSize(files.size());
            for (int i : new int[] {0, 5}) SwinPredictorTest.assertMatches("a_landscape.jpg", results.get(i).value());
            assertThat(results.get(1).error()).isEqualTo(bmp + ": BMP with an embedded JPEG (BI_JPEG) is not supported (Pillow refuses it too)");
            assertThat(results.get(2).error()).startsWith(tiff + ": corrupt or truncated image: TIFF strip 0 declares 2147483647 bytes");
            assertThat(results.get(3).error()).startsWith(huge + ": out of memory decoding an image of 8500x8500");
            assertThat(results.get(4).error()).startsWith(thin + ": image of 10900x1 has an aspect ratio of 10900.0:1");
        }
        // a refusal by the preset (not the decoder) is named too
        try (SwinPredictor p = SwinPredictor.builder(DIR.resolve(expected.get("weights").asText()))
                .optDecoder(new ImageDecoder(ImageLimits.DEFAULTS.withMaxAspectRatio(1e6))).build()) {
            SwinPredictor.Result<float[]> r = p.embedAll(List.of(thin), null).get(0);
            assertThat(r.error()).startsWith(thin + ": image of 10900x1: resizing its shorter side to " + p.preset().resize());
        }
    }
}
