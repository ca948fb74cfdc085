package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Images → top-5 equal to torchvision's transforms + model (tools/reference/make_predict_fixtures.py). */
class SwinPredictorTest {

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

    static void assertMatches(String image, List<Prediction> top) {
        JsonNode want = EXPECTED.get("top5").get(image);
        assertThat(top).as(image).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(top.get(i).index()).as("%s rank %d", image, i).isEqualTo(want.get("indices").get(i).asInt());
            assertThat(top.get(i).probability()).as("%s rank %d", image, i)
                    .isCloseTo(want.get("probabilities").get(i).asDouble(), within(1e-5));
        }
    }

    @Test
    void classifiesLikeTorchvision() throws Exception {
        assertThat(predictor.preset().name()).isEqualTo("torchvision_swin_t");
        EXPECTED.get("top5").fieldNames().forEachRemaining(name -> {
            try {
                assertMatches(name, predictor.classify(DIR.resolve("images").resolve(name), 5));
            } catch (Exception e) {
                throw new AssertionError(name, e);
            }
        });
    }

    @Test
    void batchesGoOnPastBrokenImages() {
        List<Path> files = new ArrayList<>();
        EXPECTED.get("top5").fieldNames().forEachRemaining(n -> files.add(DIR.resolve("images").resolve(n)));
        files.add(2, DIR.resolve("images/f_broken.jpg"));
        files.add(DIR.resolve("images/missing.png"));
        List<SwinPredictor.Result<List<Prediction>>> results = predictor.classifyAll(files, 5, null);
        assertThat(results).hasSize(files.size());
        assertThat(results.get(2).ok()).isFalse();
        assertThat(results.get(2).error()).contains("f_broken.jpg");
        assertThat(results.get(files.size() - 1).error()).contains("missing.png");
        for (SwinPredictor.Result<List<Prediction>> r : results) {
            if (r.ok()) assertMatches(Path.of(r.source()).getFileName().toString(), r.value());
        }
    }

    @Test
    void eightConcurrentCallersGetTheSequentialAnswers() throws Exception {
        List<Path> files = new ArrayList<>();
        EXPECTED.get("top5").fieldNames().forEachRemaining(n -> files.add(DIR.resolve("images").resolve(n)));
        List<List<Prediction>> sequential = new ArrayList<>();
        for (Path f : files) sequential.add(predictor.classify(f, 5));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Prediction>>> futures = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Path f = files.get(i % files.size());
                futures.add(pool.submit(() -> predictor.classify(f, 5)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).isEqualTo(sequential.get(i % files.size()));
            }
        } finally {
            pool.shutdown();
        }
    }

    /** torchvision's pooled feature (features, norm, permute, avgpool, flatten: the head's input) of an image. */
    static float[] referenceEmbedding(String image) {
        JsonNode row = EXPECTED.get("embeddings").get(image);
        assertThat(row).as("reference embedding of " + image).isNotNull();
        float[] e = new float[row.size()];
        for (int i = 0; i < e.length; i++) e[i] = (float) row.get(i).asDouble();
        return e;
    }

    @Test
    void embedsThePooledFeatureOfTorchvision() throws Exception {
        List<String> names = new ArrayList<>();
        EXPECTED.get("top5").fieldNames().forEachRemaining(names::add);
        assertThat(names).hasSize(5);
        for (String name : names) {
            float[] e = predictor.embed(DIR.resolve("images").resolve(name));
            assertThat(e).as(name).hasSize(96);
            Fixtures.assertClose("embedding of " + name, e, referenceEmbedding(name));
        }
        // in a batch (with a broken file in the middle) each result is its own image's embedding
        List<Path> files = new ArrayList<>();
        for (String n : names) files.add(DIR.resolve("images").resolve(n));
        files.add(1, DIR.resolve("images/f_broken.jpg"));
        List<SwinPredictor.Result<float[]>> all = predictor.embedAll(files, null);
        assertThat(all).hasSize(files.size());
        assertThat(all.get(1).ok()).isFalse();
        for (int i = 0; i < files.size(); i++) {
            if (i == 1) continue;
            String name = files.get(i).getFileName().toString();
            assertThat(all.get(i).source()).isEqualTo(files.get(i).toString());
            Fixtures.assertClose("batched embedding of " + name, all.get(i).value(), referenceEmbedding(name));
        }
    }

    @Test
    void batchForwardOfPreparedInputsGivesTheReferenceTop5AndTheEmbeddings() throws Exception {
        List<String> names = new ArrayList<>();
        EXPECTED.get("top5").fieldNames().forEachRemaining(names::add);
        List<float[]> inputs = new ArrayList<>();
        for (String name : names) {
            inputs.add(predictor.preset().apply(predictor.decoder().decode(DIR.resolve("images").resolve(name))));
        }
        SwinPredictor.BatchOutput out = predictor.forward(inputs);
        assertThat(out.probabilities().length).isEqualTo(names.size());
        for (int i = 0; i < names.size(); i++) {
            assertMatches(names.get(i), predictor.topK(out.probabilities()[i], 5));
            Fixtures.assertClose("batch row " + i + " (" + names.get(i) + ")", out.embeddings()[i],
                    referenceEmbedding(names.get(i)));
        }
        assertThatThrownBy(() -> predictor.forward(List.of(new float[7])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 7 values");
    }

    @Test
    void attentionViewSpreadsEachQueryOverItsOwnShiftedWindowOnly() throws Exception {
        var image = predictor.decoder().decode(DIR.resolve("images/a_landscape.jpg"));
        var config = predictor.config();
        AttentionView view = predictor.attention(image, 0, 1);
        assertThat(view.plan().shifted()).as("block 1 of stage 0 is SW-MSA").isTrue();
        assertThat(view.heads()).isEqualTo(config.numHeads()[0]);
        assertThat(view.seen().width()).isEqualTo(predictor.preset().width());
        int[] groups = view.groups();
        int w = view.gridWidth();
        for (int q : new int[]{0, groups.length / 2 + w / 2, groups.length - 1}) {
            float[] map = view.queryMap(view.heads() - 1, q / w, q % w);
            double inside = 0, outside = 0;
            for (int p = 0; p < map.length; p++) {
                if (groups[p] == groups[q]) inside += map[p]; else outside += map[p];
            }
            assertThat(inside).as("query %d", q).isCloseTo(1.0, within(1e-4));
            assertThat(outside).as("query %d: the shift mask leaves e^-100", q).isLessThan(1e-6);
        }
        assertThatThrownBy(() -> predictor.attention(image, 0, 9))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no block 9 in stage 0");
    }
}
