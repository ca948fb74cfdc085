package io.swin4j.train.segmentation;

import io.swin4j.train.data.DataLoader;
import io.swin4j.train.data.Prefetcher;
import io.swin4j.train.data.SegmentationFolder;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training batches of a segmentation folder: each epoch a seeded shuffle, each sample decoded and transformed
 * ({@link SegmentationTrainTransform}) on worker threads with draws seeded by (seed, epoch, sample), so that a
 * resumed run sees exactly the batches an uninterrupted one does; a sample that cannot be read is left out of its
 * batch and named in {@link Batch#failures()}. Incomplete last batches are dropped (BatchNorm needs two samples).
 */
public final class SegmentationLoader implements AutoCloseable {

    /**
     * A batch: {@code images} size·3·H·W floats (CHW per sample), {@code labels} size·H·W class indices (255: ignored).
     */
    public record Batch(int epoch, int index, int size, int height, int width, float[] images, int[] labels,
                        List<String> failures) {}

    private final SegmentationFolder dataset;
    private final int size, batchSize;
    private final SegmentationTrainTransform transform;
    private final long seed;
    private final Prefetcher workers;

    /** @param limit use only the first {@code limit} samples (0: all) */
    public SegmentationLoader(SegmentationFolder dataset, int limit, SegmentationTrainTransform transform, int batchSize,
                              long seed, int workers) {
        this.dataset = dataset;
        this.size = limit > 0 ? Math.min(limit, dataset.size()) : dataset.size();
        if (size < batchSize) throw new IllegalArgumentException("the dataset has " + size + " samples, fewer than one batch of " + batchSize);
        this.transform = transform;
        this.batchSize = batchSize;
        this.seed = seed;
        this.workers = new Prefetcher(workers);
    }

    public int size() { return size; }

    public int batchesPerEpoch() { return size / batchSize; }

    /** The batches of {@code epoch} from {@code first} on, prepared ahead. */
    public Iterator<Batch> epoch(int epoch, int first) {
        int[] order = DataLoader.order(size, true, seed, epoch);
        return workers.batches(first, batchesPerEpoch(), b -> build(epoch, b, order));
    }

    private Batch build(int epoch, int b, int[] order) {
        int h = transform.crop().height(), w = transform.crop().width();
        float[] images = new float[batchSize * 3 * h * w];
        int[] labels = new int[batchSize * h * w];
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (int i = b * batchSize; i < (b + 1) * batchSize; i++) {
            int s = order[i];
            try {
                SegmentationTrainTransform.Output out = transform.apply(dataset.sample(s),
                        RandomDraws.of(new SplittableRandom(DataLoader.mix(seed, epoch, s))));
                System.arraycopy(out.image(), 0, images, n * 3 * h * w, 3 * h * w);
                for (int p = 0; p < h * w; p++) labels[n * h * w + p] = out.mask()[p] & 0xff;
                n++;
            } catch (Exception e) {
                String source = dataset.source(s), message = String.valueOf(e.getMessage());
                failures.add(message.startsWith(source + ": ") ? message : source + ": " + message);
            }
        }
        if (n < batchSize) {
            images = java.util.Arrays.copyOf(images, n * 3 * h * w);
            labels = java.util.Arrays.copyOf(labels, n * h * w);
        }
        return new Batch(epoch, b, n, h, w, images, labels, failures);
    }

    @Override
    public void close() {
        workers.close();
    }
}
