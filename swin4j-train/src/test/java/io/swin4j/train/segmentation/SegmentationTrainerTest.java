package io.swin4j.train.segmentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.tensor.HostTensor;
import io.swin4j.train.RunDirectory;
import io.swin4j.train.Trainer;
import io.swin4j.weights.io.Safetensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The segmentation training loop end to end on a tiny model: resume exactness, learning, the run directory. */
class SegmentationTrainerTest {

    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void data() throws IOException {
        data = ShapeScenes.write(tmp.resolve("data"), 24, 6, 40, 1);
    }

    private static Map<String, HostTensor> weights(Path file) throws IOException {
        return Safetensors.read(file).tensors();
    }

    private static List<Double> losses(Path run) throws IOException {
        List<Double> out = new ArrayList<>();
        for (JsonNode n : new RunDirectory(run).readJsonl("train")) out.add(n.get("loss").asDouble());
        return out;
    }

    @Test
    void stoppedAndResumedRunEqualsAStraightRun() throws IOException {
        Path straight = tmp.resolve("straight");
        try (SegmentationTrainer t = SegmentationTrainer.start(ShapeScenes.config(data, 6), straight, null)) {
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
            assertThat(t.completedIterations()).isEqualTo(6);
        }
        Path stopped = tmp.resolve("stopped");
        AtomicInteger steps = new AtomicInteger();
        SegmentationTrainer[] holder = new SegmentationTrainer[1];
        SegmentationTrainer.Listener stopAt4 = new SegmentationTrainer.Listener() {
            @Override
            public void step(SegmentationTrainer.StepInfo s) {
                if (steps.incrementAndGet() == 4) holder[0].requestStop();
            }
        };
        try (SegmentationTrainer t = SegmentationTrainer.start(ShapeScenes.config(data, 6), stopped, stopAt4)) {
            holder[0] = t;
            assertThat(t.run()).isEqualTo(Trainer.Outcome.STOPPED);
            assertThat(t.completedIterations()).isEqualTo(4);
        }
        try (SegmentationTrainer t = SegmentationTrainer.resume(stopped, null)) {
            assertThat(t.completedIterations()).isEqualTo(4);
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }
        // Weights, BatchNorm statistics included, and every logged loss equal an uninterrupted run's.
        Map<String, HostTensor> a = weights(straight.resolve(RunDirectory.MODEL)), b = weights(stopped.resolve(RunDirectory.MODEL));
        assertThat(b.keySet()).isEqualTo(a.keySet()).anyMatch(k -> k.endsWith("running_mean"));
        for (String k : a.keySet()) assertThat(b.get(k).data()).as(k).isEqualTo(a.get(k).data());
        assertThat(losses(stopped)).hasSize(6).isEqualTo(losses(straight));
        // The run directory: settings, two evaluations, curves, best and latest models, one checkpoint left.
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(straight.resolve(RunDirectory.CONFIG_FILE).toFile()).get("task").asText()).isEqualTo("segmentation");
        assertThat(new RunDirectory(straight).readJsonl("eval")).hasSize(2).allSatisfy(e -> {
            assertThat(e.get("mIoU").asDouble()).isBetween(0.0, 1.0);
            assertThat(e.get("IoU").size()).isEqualTo(3);
        });
        assertThat(Files.readAllLines(straight.resolve(RunDirectory.METRICS_CSV))).hasSize(3).first().asString().startsWith("iteration,");
        assertThat(straight.resolve(RunDirectory.CURVES)).isNotEmptyFile();
        assertThat(straight.resolve(RunDirectory.BEST)).isNotEmptyFile();
        assertThat(straight.resolve(RunDirectory.CHECKPOINTS).resolve("iter00000006").resolve(RunDirectory.STATE)).isNotEmptyFile();
        assertThat(straight.resolve(RunDirectory.CHECKPOINTS).resolve("iter00000003")).doesNotExist();
    }

    @Test
    void learnsTheShapes() throws IOException {
        Path run = tmp.resolve("learn");
        SegmentationTrainConfig c = ShapeScenes.config(data, 200);
        c.evalInterval = 200;
        c.checkpointInterval = 200;
        c.warmupIters = 10;
        try (SegmentationTrainer t = SegmentationTrainer.start(c, run, null)) {
            t.run();
            List<Double> l = losses(run);
            assertThat(l.subList(190, 200).stream().mapToDouble(Double::doubleValue).average().orElseThrow())
                    .as("mean loss of the last 10 iterations vs the first 10")
                    .isLessThan(0.6 * l.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow());
            assertThat(t.bestMeanIou()).as("validation mIoU after 200 iterations").isGreaterThan(0.6);
        }
        // The saved model scores the same on its own: the file holds config, classes and test pipeline.
        SegmentationModelFile.Contents saved = SegmentationModelFile.load(run.resolve(RunDirectory.MODEL));
        assertThat(saved.classNames()).containsExactly("background", "rectangle", "disc");
        assertThat(saved.preset().scale()).containsExactly(160, 40);
        // the card carries the test preset: inference front ends (swin segment, serve, Spark) preprocess as evaluation
        io.swin4j.weights.SwinWeights w = io.swin4j.weights.SwinWeights.load(run.resolve(RunDirectory.MODEL));
        assertThat(io.swin4j.infer.SegmentationPredictor.defaultPreset(w)).isEqualTo(saved.preset());
        assertThat(w.metadata()).doesNotContainKey("swin4j.seg_preprocess");
        try (var model = io.swin4j.model.SwinSegmenter.fromWeights(saved.config(), saved.tensors(), false, 0)) {
            SegmentationEvalReport r = SegmentationEvaluator.evaluate(model,
                    new io.swin4j.train.data.SegmentationFolder(data, "val", 3, new io.swin4j.vision.ImageDecoder()), 0,
                    saved.preset(), saved.mode(), saved.classNames(), 1, null);
            double logged = new RunDirectory(run).readJsonl("eval").get(0).get("mIoU").asDouble();
            assertThat(r.meanIou()).isEqualTo(logged);
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunWithoutACheckpoint() throws IOException {
        Path run = tmp.resolve("diverged");
        SegmentationTrainConfig c = ShapeScenes.config(data, 6);
        c.lr = 1e30;
        c.warmupIters = 0;
        try (SegmentationTrainer t = SegmentationTrainer.start(c, run, null)) {
            assertThatThrownBy(t::run).isInstanceOf(Trainer.DivergedException.class)
                    .hasMessageContaining("the loss became").hasMessageContaining("No checkpoint was written yet");
        }
        assertThat(run.resolve(RunDirectory.MODEL)).doesNotExist();
    }

    @Test
    void initFromAClassifierTakesItsBackboneAndFromASegmenterItsWeights() throws IOException {
        // A classifier of the same backbone: every backbone tensor it has starts the segmenter.
        io.swin4j.model.SwinConfig backbone = ShapeScenes.backbone().toBuilder().optNumClasses(5).build();
        Path classifier = tmp.resolve("classifier.safetensors");
        Map<String, HostTensor> cls;
        try (io.swin4j.model.SwinTransformer m = io.swin4j.model.SwinTransformer.create(backbone, 7)) {
            cls = m.parameters().toHost();
            io.swin4j.weights.SwinWeights.save(classifier, new io.swin4j.weights.ModelCard(backbone,
                    io.swin4j.weights.layout.Layout.CANONICAL, io.swin4j.vision.EvalPreset.official224(32), null), cls, "F32");
        }
        SegmentationTrainConfig c = ShapeScenes.config(data, 3);
        c.init = classifier.toString();
        List<String> messages = new ArrayList<>();
        SegmentationTrainer.Listener collect = new SegmentationTrainer.Listener() {
            @Override public void message(String m) { messages.add(m); }
        };
        try (SegmentationTrainer t = SegmentationTrainer.start(c, tmp.resolve("from-classifier"), collect)) {
            Map<String, HostTensor> seg = t.model().parameters().toHost();
            int shared = 0;
            for (Map.Entry<String, HostTensor> e : cls.entrySet()) {
                HostTensor s = seg.get("backbone." + e.getKey());
                if (s == null) continue;
                assertThat(s.data()).as(e.getKey()).isEqualTo(e.getValue().data());
                shared++;
            }
            assertThat(shared).isGreaterThan(20);
            assertThat(messages).anyMatch(m -> m.contains("a classifier; its backbone"));
            t.run();
        }
        // A segmenter with other classes: everything but the two conv_seg layers carries over.
        Path seg3 = tmp.resolve("from-classifier").resolve(RunDirectory.MODEL);
        Path data4 = ShapeScenes.write(tmp.resolve("data4"), 8, 2, 40, 2);
        Files.writeString(data4.resolve("classes.txt"), "background\nrectangle\ndisc\nunused\n");
        SegmentationTrainConfig d = ShapeScenes.config(data4, 1);
        d.init = seg3.toString();
        Map<String, HostTensor> before = SegmentationModelFile.load(seg3).tensors();
        try (SegmentationTrainer t = SegmentationTrainer.start(d, tmp.resolve("from-segmenter"), collect)) {
            Map<String, HostTensor> now = t.model().parameters().toHost();
            assertThat(now.get("decode_head.conv_seg.weight").shape()[0]).isEqualTo(4);
            for (String k : before.keySet()) {
                if (k.contains("conv_seg")) continue;
                assertThat(now.get(k).data()).as(k).isEqualTo(before.get(k).data());
            }
            assertThat(messages).anyMatch(m -> m.contains("new conv_seg layers"));
        }
    }

    @Test
    void refusesARunDirectoryThatHoldsARunAndBadSettings() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(run.resolve(RunDirectory.CONFIG_FILE), "{}");
        assertThatThrownBy(() -> SegmentationTrainer.start(ShapeScenes.config(data, 2), run, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already holds a run");
        SegmentationTrainConfig c = ShapeScenes.config(data, 2);
        c.batchSize = 1;
        c.crop = new int[] {0, 4};
        c.evalMode = "slide";
        assertThat(c.problems()).anyMatch(p -> p.startsWith("batchSize")).anyMatch(p -> p.startsWith("crop"))
                .anyMatch(p -> p.contains("evalCrop"));
        SegmentationTrainConfig noClasses = ShapeScenes.config(tmp.resolve("nowhere"), 2);
        assertThatThrownBy(() -> SegmentationTrainer.start(noClasses, tmp.resolve("nowhere-run"), null))
                .hasMessageContaining("classes.txt");
    }

    @Test
    void settingsRoundTripThroughJsonAndYaml() throws IOException {
        SegmentationTrainConfig c = ShapeScenes.config(data, 7);
        c.testScale = new int[] {90, 30};
        for (String name : new String[] {"c.json", "c.yaml"}) {
            Path f = tmp.resolve(name);
            c.write(f);
            SegmentationTrainConfig back = SegmentationTrainConfig.read(f);
            JsonNode expected = new ObjectMapper().valueToTree(c), actual = new ObjectMapper().valueToTree(back);
            assertThat(actual).isEqualTo(expected);
            assertThat(SegmentationTrainConfig.isSegmentation(f)).isTrue();
        }
        Path typo = tmp.resolve("typo.json");
        Files.writeString(typo, "{\"iteratons\": 5}");
        assertThatThrownBy(() -> SegmentationTrainConfig.read(typo)).hasMessageContaining("iteratons");
    }
}
