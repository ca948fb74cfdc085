package io.swin4j.train.segmentation;

import io.swin4j.infer.Segmentation;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.tensor.HostTensor;
import io.swin4j.train.SegmentationMetrics;
import io.swin4j.train.data.SegmentationFolder;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.Palette;
import io.swin4j.vision.SegmentationPreset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Evaluation scores the label maps of the inference path ({@code swin segment}, serve, Spark: a
 * {@link SegmentationPredictor} built from the saved file, whose card gives the test preset): slide + flip at an
 * mmseg scale that enlarges the images, the model's file written as training writes it (a backbone config of 1000
 * classes under a 3-class segmenter).
 */
class SegmentationEvaluatorTest {

    @TempDir
    Path tmp;

    @Test
    void slideFlipEvaluationScoresTheSegmentTasksLabelMaps() throws IOException {
        Path data = ShapeScenes.write(tmp.resolve("data"), 0, 3, 40, 11);
        List<String> classes = List.of("background", "rectangle", "disc");
        SwinConfig backbone = ShapeScenes.backbone().toBuilder().optNumClasses(1000).build();
        SegmentationConfig config = new SegmentationConfig(backbone, 3, 16, new int[] {1, 2, 3, 6}, false, 0.1, 8, 0, 0.4);
        Map<String, HostTensor> tensors;
        try (SwinSegmenter m = SwinSegmenter.create(config, 5)) {
            tensors = new LinkedHashMap<>(m.parameters().toHost());
        }
        for (String k : List.of("decode_head.conv_seg.weight", "decode_head.conv_seg.bias")) { // varied predictions
            HostTensor t = tensors.get(k);
            Random rng = new Random(k.length());
            float[] d = t.data().clone();
            for (int i = 0; i < d.length; i++) d[i] = d[i] * 60 + (float) (rng.nextGaussian() * 0.3);
            tensors.put(k, HostTensor.of(d, t.shape()));
        }
        SegmentationMode mode = SegmentationMode.slide(32, 32, 20, 20).optFlip(true);
        SegmentationPreset preset = SegmentationModelFile.preset(new int[] {72, 56}, new float[] {120, 110, 100},
                new float[] {60, 55, 50});
        Path file = tmp.resolve("model.safetensors");
        int[][] palette = new int[3][];
        for (int i = 0; i < 3; i++) palette[i] = Palette.voc(3).rgb(i);
        SegmentationModelFile.save(file, new SegmentationModelFile.Contents(config, classes, palette, mode, preset, tensors), "F32");

        SegmentationModelFile.Contents saved = SegmentationModelFile.load(file);
        assertThat(saved.preset()).isEqualTo(preset);
        SegmentationFolder folder = new SegmentationFolder(data, "val", 3, new ImageDecoder());
        SegmentationEvalReport report;
        try (SwinSegmenter model = SwinSegmenter.fromWeights(saved.config(), saved.tensors(), false, 0)) {
            report = SegmentationEvaluator.evaluate(model, folder, 0, saved.preset(), saved.mode(), saved.classNames(), 2, null);
        }
        assertThat(report.images()).isEqualTo(3);

        SegmentationMetrics expected = new SegmentationMetrics(classes, SegmentationFolder.IGNORE);
        try (SegmentationPredictor p = SegmentationPredictor.builder(file).build()) {
            assertThat(p.preset()).as("the card's test preset").isEqualTo(preset);
            assertThat(p.preset().targetSize(40, 40)).containsExactly(56, 56);
            assertThat(p.mode()).isEqualTo(mode);
            for (int i = 0; i < folder.size(); i++) {
                SegmentationFolder.Sample s = folder.sample(i);
                Segmentation seg = p.segment(s.image());
                byte[] map = seg.labels().labels();
                int[] pred = new int[map.length], label = new int[map.length];
                for (int k = 0; k < map.length; k++) {
                    pred[k] = map[k] & 0xff;
                    label[k] = s.mask()[k] & 0xff;
                }
                expected.add(pred, label);
            }
        }
        long[][] cm = report.metrics().confusion();
        assertThat(cm).isDeepEqualTo(expected.confusion());
        int predictedClasses = 0;
        for (int c = 0; c < 3; c++) {
            long column = 0;
            for (long[] row : cm) column += row[c];
            if (column > 0) predictedClasses++;
        }
        assertThat(predictedClasses).as("classes the model predicts somewhere").isGreaterThanOrEqualTo(2);
    }
}
