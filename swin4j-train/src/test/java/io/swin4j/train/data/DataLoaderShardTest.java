package io.swin4j.train.data;

import io.swin4j.testing.SyntheticImages;
import io.swin4j.vision.ImageDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The data-parallel split: the ranks' shares of a global batch are exactly the single-process batch, as DistributedSampler splits. */
class DataLoaderShardTest {

    @Test
    void theRanksSharesOfEachGlobalBatchAreTheSingleProcessBatch(@TempDir Path dir) throws IOException {
        SyntheticImages.imageFolder(dir, 2, 11, 0, 8, 5); // 22 samples, global batch 6: 3 full batches, 4 dropped
        LabeledDataset ds = new ImageFolderDataset(dir.resolve("train"), new ImageDecoder());
        int world = 3;
        try (DataLoader single = new DataLoader(ds, DataLoaderTest::transform, 192, 6, true, true, 7, 1)) {
            List<DataLoader.Batch> whole = DataLoaderTest.epoch(single, 2, 0);
            List<List<DataLoader.Batch>> shares = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                try (DataLoader rank = new DataLoader(ds, DataLoaderTest::transform, 192, 6, true, true, 7, 1, r, world)) {
                    assertThat(rank.batchesPerEpoch()).isEqualTo(single.batchesPerEpoch()).isEqualTo(3);
                    shares.add(DataLoaderTest.epoch(rank, 2, 0));
                }
            }
            int[] order = single.order(2);
            for (int b = 0; b < whole.size(); b++) {
                for (int r = 0; r < world; r++) {
                    DataLoader.Batch s = shares.get(r).get(b);
                    // DistributedSampler: rank r takes indices r, r+world, ... of the permutation, then batches them 2 at a time.
                    int[] expected = {order[b * 6 + r], order[b * 6 + r + world]};
                    assertThat(s.samples()).as("rank %d batch %d", r, b).containsExactly(expected);
                    for (int j = 0; j < 2; j++) {
                        int i = indexOf(whole.get(b).samples(), s.samples()[j]);
                        // the same sample, augmented with the same draw, whatever rank computes it
                        assertThat(Arrays.copyOfRange(s.images(), j * 192, (j + 1) * 192))
                                .isEqualTo(Arrays.copyOfRange(whole.get(b).images(), i * 192, (i + 1) * 192));
                        assertThat(s.labels()[j]).isEqualTo(whole.get(b).labels()[i]);
                    }
                }
            }
        }
    }

    @Test
    void evaluationSharesCoverEverySampleOnceWithoutPadding(@TempDir Path dir) throws IOException {
        SyntheticImages.imageFolder(dir, 1, 7, 0, 8, 5); // 7 samples, batch 4: a last batch of 3 split 2/1 ... 1/1/1/0
        LabeledDataset ds = new ImageFolderDataset(dir.resolve("train"), new ImageDecoder());
        for (int world : new int[] {2, 4}) {
            List<Integer> seen = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                try (DataLoader rank = new DataLoader(ds, DataLoaderTest::transform, 192, 4, false, false, 7, 2, r, world)) {
                    for (DataLoader.Batch b : DataLoaderTest.epoch(rank, 0, 0)) for (int s : b.samples()) seen.add(s);
                }
            }
            assertThat(seen).as("world %d", world).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6);
        }
    }

    @Test
    void aGlobalBatchThatDoesNotSplitEvenlyIsRefused(@TempDir Path dir) throws IOException {
        SyntheticImages.imageFolder(dir, 1, 8, 0, 8, 5);
        LabeledDataset ds = new ImageFolderDataset(dir.resolve("train"), new ImageDecoder());
        assertThatThrownBy(() -> new DataLoader(ds, DataLoaderTest::transform, 192, 6, true, true, 7, 1, 0, 4))
                .hasMessage("the batch of 6 images does not split evenly over 4 ranks; choose a batch size that is a multiple of 4");
        assertThatThrownBy(() -> new DataLoader(ds, DataLoaderTest::transform, 192, 6, true, true, 7, 1, 2, 2))
                .hasMessageContaining("rank 2 is not in a job of 2");
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) if (a[i] == v) return i;
        throw new AssertionError(v + " not in " + Arrays.toString(a));
    }
}
