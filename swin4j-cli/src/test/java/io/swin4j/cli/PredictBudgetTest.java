package io.swin4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.vision.HostileImages;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18 through `swin predict` under the hostile JVM's small heap (384m): hostile images (a 2 GiB BMP, an image
 * that runs the decoder out of memory, one over the aspect-ratio flag) are each reported on stderr with their name and
 * reason, the good image is classified, and the exit status is 1.
 */
@Tag("hostile")
class PredictBudgetTest {

    private static final Path DIR = Path.of(System.getProperty("swin4j.fixtures", "../fixtures")).resolve("predict");

    @Test
    void hostileImagesAreReportedAndTheBatchGoesOn(@TempDir Path tmp) throws Exception {
        String weights = DIR.resolve(new ObjectMapper().readTree(DIR.resolve("expected.json").toFile()).get("weights").asText()).toString();
        Path dir = Files.createDirectory(tmp.resolve("images"));
        Files.copy(DIR.resolve("images/a_landscape.jpg"), dir.resolve("a_good.jpg"));
        Path bmp = Files.write(dir.resolve("b_bomb.bmp"), HostileImages.bmpEmbeddedJpeg());
        int side = 8500; // RGBA: 7 bytes a pixel to decode, more than the heap
        assertThat(Runtime.getRuntime().maxMemory()).as("this test needs a heap under %d bytes", 7L * side * side).isLessThan(7L * side * side);
        Path huge = Files.write(dir.resolve("c_huge.png"), HostileImages.png(side, side, 6, (y, row) -> { }));
        Path wide = Files.write(dir.resolve("d_wide.png"), HostileImages.greyPng(30, 1));
        CliRun r = CliRun.of("predict", "--weights", weights, "--no-progress", "--max-aspect-ratio", "20", dir.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out().lines()).singleElement().asString().startsWith(dir.resolve("a_good.jpg").toString());
        assertThat(r.err()).contains("error: " + bmp + ": BMP with an embedded JPEG (BI_JPEG) is not supported")
                .contains("error: " + huge + ": out of memory decoding an image of 8500x8500")
                .contains("error: " + wide + ": image of 30x1 has an aspect ratio of 30.0:1, over the limit of 20.0:1")
                .contains("1 ok, 3 failed");
    }

    @Test
    void evalSkipsHostileImagesListsThemAndExitsNonZero(@TempDir Path tmp) throws Exception {
        Path val = tmp.resolve("data/val");
        for (char c = 'a'; c <= 'j'; c++) { // the bundled model's 10 classes
            Files.write(Files.createDirectories(val.resolve("class_" + c)).resolve("ok.png"), HostileImages.small("png"));
        }
        Path bmp = Files.write(val.resolve("class_a/bomb.bmp"), HostileImages.bmpEmbeddedJpeg());
        int side = 8500;
        assertThat(Runtime.getRuntime().maxMemory()).as("this test needs a heap under %d bytes", 7L * side * side).isLessThan(7L * side * side);
        Path huge = Files.write(val.resolve("class_b/huge.png"), HostileImages.png(side, side, 6, (y, row) -> { }));
        CliRun r = CliRun.of("eval", "--dataset", "folder", "--data", tmp.resolve("data").toString(), "--json", "--no-progress");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(new ObjectMapper().readTree(r.out()).get("samples").asInt()).isEqualTo(10);
        assertThat(r.err()).contains("swin eval: skipped " + bmp).contains("BMP with an embedded JPEG (BI_JPEG) is not supported")
                .contains("swin eval: skipped " + huge).contains(huge + ": out of memory decoding an image of 8500x8500")
                .contains("swin eval: 2 images could not be read");
    }
}
