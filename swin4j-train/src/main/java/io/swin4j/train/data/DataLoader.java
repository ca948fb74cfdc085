package io.swin4j.train.data;

import io.swin4j.vision.RgbImage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Decodes and transforms batches on worker threads ahead of the training step. Deterministic for a seed: the
 * epoch's order is a seeded shuffle of (seed, epoch) and each sample's transform draws from its own generator
 * seeded by (seed, epoch, sample index), so neither thread scheduling nor resuming mid-epoch changes a batch.
 * A sample that cannot be read is left out of its batch and reported in {@link Batch#failures()}.
 */
public final class DataLoader implements AutoCloseable {

    /** A sample's transform: decoded image → fp32 CHW of the loader's size; draws its randomness from {@code rng}. */
    @FunctionalInterface
    public interface SampleTransform {
        float[] apply(RgbImage image, SplittableRandom rng);
    }

    /** {@code images}: {@code size} samples of C·H·W floats; failures: "source: reason" of the samples left out. */
    public record Batch(int epoch, int index, int size, float[] images, int[] labels, int[] samples, List<String> failures) {}

    private final LabeledDataset dataset;
    private final SampleTransform transform;
    private final int batchSize, sampleFloats;
    private final boolean shuffle, dropLast;
    private final long seed;
    private final int rank, worldSize;
    private final Prefetcher workers;

    /**
     * @param sampleFloats C·H·W of one transformed sample
     * @param workers      decoding threads (≥ 1)
     */
    public DataLoader(LabeledDataset dataset, SampleTransform transform, int sampleFloats, int batchSize, boolean shuffle,
                      boolean dropLast, long seed, int workers) {
        this(dataset, transform, sampleFloats, batchSize, shuffle, dropLast, seed, workers, 0, 1);
    }

    /**
     * Rank {@code rank}'s share of a data-parallel job of {@code worldSize} processes: {@code batchSize} is the global
     * batch, and of global batch {@code b} (positions {@code b·batchSize ..} of the epoch's order, the same order on
     * every rank) this rank takes positions {@code rank, rank + worldSize, ...}. That is DistributedSampler's split
     * (rank r takes every worldSize-th index of the permutation) batched {@code batchSize / worldSize} at a time, and the
     * ranks' batches together are exactly the single-process batch. With {@code dropLast} (training) the global batch
     * must divide evenly; without it (evaluation) the last batch's shares may differ and nothing is padded or repeated.
     */
    public DataLoader(LabeledDataset dataset, SampleTransform transform, int sampleFloats, int batchSize, boolean shuffle,
                      boolean dropLast, long seed, int workers, int rank, int worldSize) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is not in a job of " + worldSize);
        }
        if (dropLast && batchSize % worldSize != 0) {
            throw new IllegalArgumentException("the batch of " + batchSize + " images does not split evenly over " + worldSize
                    + " ranks; choose a batch size that is a multiple of " + worldSize);
        }
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        if (dropLast && dataset.size() < batchSize) {
            throw new IllegalArgumentException("the dataset has " + dataset.size() + " samples, fewer than one batch of " + batchSize);
        }
        this.dataset = dataset;
        this.transform = transform;
        this.sampleFloats = sampleFloats;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
        this.rank = rank;
        this.worldSize = worldSize;
        this.workers = new Prefetcher(workers);
    }

    public LabeledDataset dataset() { return dataset; }

    /** Global batches per epoch (every rank steps through the same number). */
    public int batchesPerEpoch() {
        return dropLast ? dataset.size() / batchSize : (dataset.size() + batchSize - 1) / batchSize;
    }

    /** The sample order of an epoch. */
    public int[] order(int epoch) {
        return order(dataset.size(), shuffle, seed, epoch);
    }

    /** 0..n−1, or with {@code shuffle} a Fisher–Yates shuffle seeded by (seed, epoch): every loader's epoch order. */
    public static int[] order(int n, boolean shuffle, long seed, int epoch) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(mix(seed, epoch, -1));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    /** The batches of {@code epoch} from batch {@code first} on (to resume mid-epoch), prepared ahead. */
    public Iterator<Batch> epoch(int epoch, int first) {
        int[] order = order(epoch);
        return workers.batches(first, batchesPerEpoch(), b -> build(epoch, b, order));
    }

    private Batch build(int epoch, int b, int[] order) {
        int from = b * batchSize, to = Math.min(order.length, from + batchSize);
        int share = Math.max(0, (to - from - rank + worldSize - 1) / worldSize);
        float[] images = new float[share * sampleFloats];
        int[] labels = new int[share], samples = new int[share];
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (int i = from + rank; i < to; i += worldSize) {
            int s = order[i];
            try {
                float[] x = transform.apply(dataset.image(s), new SplittableRandom(mix(seed, epoch, s)));
                if (x.length != sampleFloats) {
                    throw new IllegalStateException("transform gave " + x.length + " values, expected " + sampleFloats);
                }
                System.arraycopy(x, 0, images, n * sampleFloats, sampleFloats);
                labels[n] = dataset.label(s);
                samples[n] = s;
                n++;
            } catch (Exception e) {
                // The decoder's messages already name the image ("FILE: reason"); others get it prefixed.
                String source = dataset.source(s);
                String message = String.valueOf(e.getMessage());
                failures.add(message.startsWith(source + ": ") ? message : source + ": " + message);
            }
        }
        if (n < share) {
            images = java.util.Arrays.copyOf(images, n * sampleFloats);
            labels = java.util.Arrays.copyOf(labels, n);
            samples = java.util.Arrays.copyOf(samples, n);
        }
        return new Batch(epoch, b, n, images, labels, samples, failures);
    }

    /** A 64-bit mix of the seed and two counters (SplitMix64 finaliser), so nearby inputs give unrelated streams. */
    public static long mix(long seed, long a, long b) {
        long z = seed + 0x9E3779B97F4A7C15L * (a + 1) + 0xC2B2AE3D27D4EB4FL * (b + 2);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        workers.close();
    }
}
