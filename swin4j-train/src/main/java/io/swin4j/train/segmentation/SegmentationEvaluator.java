package io.swin4j.train.segmentation;

import io.swin4j.engine.Tensors;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.train.SegmentationMetrics;
import io.swin4j.train.data.Prefetcher;
import io.swin4j.train.data.SegmentationFolder;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Scores a segmentation model on a folder as mmseg's single-scale test does: each image through the test pipeline
 * ({@link SegmentationTestTransform}), inference in the given mode, the result resized bilinearly to the image's
 * original size (mmseg's {@code rescale=True}), argmax, and {@link SegmentationMetrics} against the original mask.
 * Whole mode without flip resizes the logits, as mmseg; slide mode and flip resize {@link SwinSegmenter#predict}'s
 * probabilities (mmseg resizes the averaged logits there: the argmax can differ where two classes nearly tie).
 * Images that cannot be read are reported and skipped.
 */
public final class SegmentationEvaluator {

    private SegmentationEvaluator() {}

    private record Item(int index, SegmentationTestTransform.Input input, int height, int width, int[] labels, String failure) {}

    /**
     * @param limit    score only the first {@code limit} images (0: all)
     * @param progress called with 1 after each image (scored or failed); may be null
     */
    public static SegmentationEvalReport evaluate(SwinSegmenter model, SegmentationFolder data, int limit,
                                                  SegmentationTestTransform transform, SegmentationMode mode,
                                                  List<String> classes, int workers, IntConsumer progress) {
        if (model.config().numClasses() != classes.size()) {
            throw new IllegalArgumentException("the model has " + model.config().numClasses() + " classes, the data " + classes.size());
        }
        long start = System.nanoTime();
        int n = limit > 0 ? Math.min(limit, data.size()) : data.size();
        SegmentationMetrics metrics = new SegmentationMetrics(classes, SegmentationFolder.IGNORE);
        List<String> failures = new ArrayList<>();
        int scored = 0;
        boolean wasTraining = model.isTraining();
        model.train(false);
        try (Prefetcher prefetcher = new Prefetcher(workers)) {
            Iterator<Item> it = prefetcher.batches(0, n, i -> read(data, i, transform));
            while (it.hasNext()) {
                Item item = it.next();
                if (item.failure() != null) {
                    failures.add(item.failure());
                } else {
                    metrics.add(predict(model, item, mode), item.labels());
                    scored++;
                }
                if (progress != null) progress.accept(1);
            }
        } finally {
            model.train(wasTraining);
        }
        return new SegmentationEvalReport(metrics, classes, scored, failures, (System.nanoTime() - start) / 1e9);
    }

    private static Item read(SegmentationFolder data, int i, SegmentationTestTransform transform) {
        try {
            SegmentationFolder.Sample s = data.sample(i);
            int[] labels = new int[s.mask().length];
            for (int p = 0; p < labels.length; p++) labels[p] = s.mask()[p] & 0xff;
            return new Item(i, transform.apply(s), s.image().height(), s.image().width(), labels, null);
        } catch (Exception e) {
            String source = data.source(i), message = String.valueOf(e.getMessage());
            return new Item(i, null, 0, 0, null, message.startsWith(source + ": ") ? message : source + ": " + message);
        }
    }

    /** The predicted class of every pixel of the original image, row-major. */
    static int[] predict(SwinSegmenter model, Item item, SegmentationMode mode) {
        SegmentationTestTransform.Input in = item.input();
        try (PointerScope scope = new PointerScope(); NoGradGuard ng = new NoGradGuard()) {
            Tensor x = Tensors.fromFloats(in.image(), 1, 3, in.height(), in.width());
            boolean logits = mode.kind() == SegmentationMode.Kind.WHOLE && !mode.flip();
            Tensor scores = logits ? model.forward(x) : model.predict(x, mode);
            if (in.height() != item.height() || in.width() != item.width()) {
                scores = torch.upsample_bilinear2d(scores, new long[] {item.height(), item.width()}, model.config().alignCorners());
            }
            Tensor pred = scores.argmax(new org.bytedeco.pytorch.LongOptional(1), false).contiguous();
            long[] v = new long[(int) pred.numel()];
            try (LongPointer p = pred.data_ptr_long()) {
                p.get(v);
            }
            int[] out = new int[v.length];
            for (int i = 0; i < v.length; i++) out[i] = (int) v[i];
            return out;
        }
    }
}
