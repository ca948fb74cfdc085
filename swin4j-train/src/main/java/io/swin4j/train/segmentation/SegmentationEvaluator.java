package io.swin4j.train.segmentation;

import io.swin4j.infer.SegmentTask;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.train.SegmentationMetrics;
import io.swin4j.train.data.Prefetcher;
import io.swin4j.train.data.SegmentationFolder;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.Palette;
import io.swin4j.vision.SegmentationPreset;
import org.bytedeco.pytorch.NoGradGuard;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Scores a segmentation model on a folder as mmseg's single-scale test does, through the inference path of
 * {@code swin segment}, the server and Spark ({@link SegmentTask}: the preset's cv2 resize and normalisation, the
 * model's logits in the given mode, resized to the original image, flip as mmseg's {@code aug_test}, argmax), and
 * {@link SegmentationMetrics} of the label maps against the original masks. Images that cannot be read are reported
 * and skipped.
 */
public final class SegmentationEvaluator {

    /** Evaluation data is the user's own: no decompression-bomb limit on the test resize. */
    private static final ImageLimits LIMITS = ImageLimits.DEFAULTS.withMaxResizePixels(Long.MAX_VALUE);

    private SegmentationEvaluator() {}

    private record Item(int index, SegmentTask.Input input, int[] labels, String failure) {}

    /**
     * @param preset   the test transform (resize and normalisation)
     * @param limit    score only the first {@code limit} images (0: all)
     * @param progress called with 1 after each image (scored or failed); may be null
     */
    public static SegmentationEvalReport evaluate(SwinSegmenter model, SegmentationFolder data, int limit,
                                                  SegmentationPreset preset, SegmentationMode mode,
                                                  List<String> classes, int workers, IntConsumer progress) {
        if (model.config().numClasses() != classes.size()) {
            throw new IllegalArgumentException("the model has " + model.config().numClasses() + " classes, the data " + classes.size());
        }
        SegmentTask task = SegmentTask.of(model, preset, mode, classes, Palette.voc(classes.size()));
        long start = System.nanoTime();
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        SegmentationMetrics metrics = new SegmentationMetrics(classes, SegmentationFolder.IGNORE);
        List<String> failures = new ArrayList<>();
        int scored = 0;
        boolean wasTraining = model.isTraining();
        model.train(false);
        try (Prefetcher prefetcher = new Prefetcher(workers); NoGradGuard ng = new NoGradGuard()) {
            Iterator<Item> it = prefetcher.batches(0, n, i -> read(data, i, task));
            while (it.hasNext()) {
                Item item = it.next();
                if (item.failure() != null) {
                    failures.add(item.failure());
                } else {
                    metrics.add(labels(task.forward(List.of(item.input())).get(0)), item.labels());
                    scored++;
                }
                if (progress != null) progress.accept(1);
            }
        } finally {
            model.train(wasTraining);
        }
        return new SegmentationEvalReport(metrics, classes, scored, failures, (System.nanoTime() - start) / 1e9);
    }

    private static Item read(SegmentationFolder data, int i, SegmentTask task) {
        try {
            SegmentationFolder.Sample s = data.sample(i);
            return new Item(i, task.preprocess(s.image(), LIMITS), labels(s.mask()), null);
        } catch (Exception e) {
            String source = data.source(i), message = String.valueOf(e.getMessage());
            return new Item(i, null, null, message.startsWith(source + ": ") ? message : source + ": " + message);
        }
    }

    /** Unsigned bytes as class indices. */
    private static int[] labels(byte[] map) {
        int[] out = new int[map.length];
        for (int p = 0; p < out.length; p++) out[p] = map[p] & 0xff;
        return out;
    }
}
