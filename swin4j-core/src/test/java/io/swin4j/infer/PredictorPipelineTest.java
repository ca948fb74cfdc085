package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.pipeline.ImageSource;
import io.swin4j.pipeline.Pipeline;
import io.swin4j.pipeline.Result;
import io.swin4j.testing.Fixtures;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The classify pipeline of a predictor over torchvision's Swin-T (tools/reference/make_predict_fixtures.py): answers
 * in input order equal to torchvision's top-5, a corrupt file and a file over the pixel limit failing in place,
 * streamed a batch at a time, from files and from bytes alike.
 */
class PredictorPipelineTest {

    private static final Path DIR = Fixtures.root().resolve("predict");
    private static final JsonNode EXPECTED = Fixtures.json(DIR.resolve("expected.json"));
    private static SwinPredictor predictor;

    @BeforeAll
    static void load() throws Exception {
        predictor = SwinPredictor.builder(DIR.resolve(EXPECTED.get("weights").asText())).optBatchSize(2).build();
    }

    @AfterAll
    static void close() {
        predictor.close();
    }

    static List<Path> goodImages() {
        List<Path> files = new ArrayList<>();
        EXPECTED.get("top5").fieldNames().forEachRemaining(n -> files.add(DIR.resolve("images").resolve(n)));
        return files;
    }

    @Test
    void resultsInInputOrderWithACorruptFileAndOneOverThePixelLimitInPlace(@TempDir Path tmp) throws Exception {
        List<Path> good = goodImages();
        long largest = 0;
        for (Path p : good) {
            RgbImage img = new ImageDecoder().decode(p);
            largest = Math.max(largest, (long) img.width() * img.height());
        }
        int side = (int) Math.ceil(Math.sqrt(largest + 1)); // just over the limit below
        Path big = tmp.resolve("big.png");
        ImageIO.write(new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB), "png", big.toFile());
        List<Path> files = new ArrayList<>(good);
        files.add(1, DIR.resolve("images/f_broken.jpg"));
        files.add(3, big);

        Pipeline<List<Prediction>> pipeline = predictor.pipeline(predictor.classifyTask(5))
                .withLimits(ImageLimits.DEFAULTS.withMaxPixels(largest));
        List<String> streamed = new ArrayList<>();
        List<Result<List<Prediction>>> results = pipeline.run(files.stream().map(ImageSource::file).toList(),
                r -> streamed.add(r.source()));

        assertThat(results).extracting(Result::source).containsExactlyElementsOf(files.stream().map(Path::toString).toList());
        assertThat(streamed).containsExactlyElementsOf(files.stream().map(Path::toString).toList());
        assertThat(results.get(1).error()).startsWith(files.get(1) + ": ");
        assertThat(results.get(3).error()).isEqualTo(big + ": image of " + side + "x" + side + " = " + (long) side * side
                + " pixels exceeds the limit of " + largest + " (possible decompression bomb)");
        for (int i = 0; i < files.size(); i++) {
            if (i == 1 || i == 3) {
                assertThat(results.get(i).ok()).isFalse();
                continue;
            }
            SwinPredictorTest.assertMatches(files.get(i).getFileName().toString(), results.get(i).value());
        }
    }

    @Test
    void bytesSourcesGiveTheAnswersOfTheirFiles() throws Exception {
        List<ImageSource> uploads = new ArrayList<>();
        for (Path p : goodImages()) uploads.add(ImageSource.bytes(Files.readAllBytes(p), p.getFileName().toString()));
        List<Result<List<Prediction>>> results = predictor.pipeline(predictor.classifyTask(5)).run(uploads, null);
        for (Result<List<Prediction>> r : results) SwinPredictorTest.assertMatches(r.source(), r.value());
    }

    @Test
    void theEmbedPipelineGivesTorchvisionsPooledFeatures() throws Exception {
        List<Path> good = goodImages();
        List<Result<float[]>> results = predictor.pipeline(predictor.embedTask())
                .run(good.stream().map(ImageSource::file).toList(), null);
        JsonNode torchvision = EXPECTED.get("embeddings");
        for (int i = 0; i < good.size(); i++) {
            JsonNode row = torchvision.get(good.get(i).getFileName().toString());
            float[] want = new float[row.size()];
            for (int j = 0; j < want.length; j++) want[j] = (float) row.get(j).asDouble();
            Fixtures.assertClose(good.get(i).toString(), results.get(i).value(), want);
        }
    }
}
