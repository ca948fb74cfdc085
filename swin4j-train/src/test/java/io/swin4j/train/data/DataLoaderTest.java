package io.swin4j.train.data;

import io.swin4j.testing.SyntheticImages;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataLoaderTest {

    /** A transform whose output depends on the image and on the sample's RNG: pixel values plus one random draw. */
    static float[] transform(RgbImage img, SplittableRandom rng) {
        float[] out = new float[3 * 8 * 8];
        float r = (float) rng.nextDouble();
        for (int i = 0; i < out.length; i++) out[i] = (img.rgb()[i] & 0xff) + r;
        return out;
    }

    static List<DataLoader.Batch> epoch(DataLoader loader, int epoch, int first) {
        List<DataLoader.Batch> out = new ArrayList<>();
        for (Iterator<DataLoader.Batch> it = loader.epoch(epoch, first); it.hasNext(); ) out.add(it.next());
        return out;
    }

    @Test
    void imageFolderFollowsTorchvisionRules(@TempDir Path dir) throws IOException {
        SyntheticImages.imageFolder(dir, 3, 2, 1, 8, 1);
        Files.writeString(dir.resolve("train/class_a/notes.txt"), "not an image");
        Files.createDirectories(dir.resolve("train/.hidden")); // no images: not a class
        LabeledDataset train = Datasets.open("folder", dir, "train", null, new ImageDecoder());
        assertThat(train.classNames()).containsExactly("class_a", "class_b", "class_c");
        assertThat(train.size()).isEqualTo(6);
        assertThat(train.label(0)).isZero();
        assertThat(train.label(5)).isEqualTo(2);
        assertThat(train.source(1)).endsWith("class_a/img001.png");
        LabeledDataset val = Datasets.open("folder", dir, "val", train.classNames(), new ImageDecoder());
        assertThat(val.size()).isEqualTo(3);
        assertThatThrownBy(() -> Datasets.open("folder", dir.resolve("nope"), "train", null, new ImageDecoder()))
                .hasMessageContaining("nope").hasMessageContaining("not a directory");
        assertThatThrownBy(() -> Datasets.open("folder", dir, "bogus", null, new ImageDecoder())).hasMessageContaining("unknown split 'bogus'");
    }

    @Test
    void batchesAreDeterministicWhateverTheWorkersAndResumeMidEpoch(@TempDir Path dir) throws IOException {
        SyntheticImages.imageFolder(dir, 2, 10, 0, 8, 3);
        LabeledDataset ds = new ImageFolderDataset(dir.resolve("train"), new ImageDecoder());
        try (DataLoader one = new DataLoader(ds, DataLoaderTest::transform, 192, 4, true, true, 7, 1);
             DataLoader three = new DataLoader(ds, DataLoaderTest::transform, 192, 4, true, true, 7, 3);
             DataLoader otherSeed = new DataLoader(ds, DataLoaderTest::transform, 192, 4, true, true, 8, 2)) {
            assertThat(one.batchesPerEpoch()).isEqualTo(5);
            List<DataLoader.Batch> a = epoch(one, 0, 0), b = epoch(three, 0, 0);
            assertThat(a).hasSize(5);
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).images()).isEqualTo(a.get(i).images());
                assertThat(b.get(i).labels()).isEqualTo(a.get(i).labels());
            }
            // From batch 3 on: the same batches as the full epoch's.
            List<DataLoader.Batch> tail = epoch(three, 0, 3);
            assertThat(tail).hasSize(2);
            assertThat(tail.get(0).images()).isEqualTo(a.get(3).images());
            assertThat(tail.get(0).index()).isEqualTo(3);
            // Every sample once per epoch; another epoch or seed reorders.
            int[] seen = Arrays.stream(a.toArray(DataLoader.Batch[]::new)).flatMapToInt(x -> Arrays.stream(x.samples())).sorted().toArray();
            assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
            assertThat(one.order(1)).isNotEqualTo(one.order(0));
            assertThat(otherSeed.order(0)).isNotEqualTo(one.order(0));
            // The same sample in another epoch draws different augmentation randomness.
            int s = a.get(0).samples()[0];
            float[] e1 = find(epoch(one, 1, 0), s);
            assertThat(e1).isNotEqualTo(Arrays.copyOfRange(a.get(0).images(), 0, 192));
        }
    }

    private static float[] find(List<DataLoader.Batch> batches, int sample) {
        for (DataLoader.Batch b : batches) {
            for (int i = 0; i < b.size(); i++) if (b.samples()[i] == sample) return Arrays.copyOfRange(b.images(), i * 192, (i + 1) * 192);
        }
        throw new AssertionError("sample " + sample + " not found");
    }

    @Test
    void aBadImageIsSkippedAndReportedWhileTheBatchGoesOn(@TempDir Path dir) throws IOException {
        SyntheticImages.imageFolder(dir, 2, 3, 0, 8, 5);
        Path bad = dir.resolve("train/class_b/img001.png");
        Files.write(bad, Arrays.copyOf(Files.readAllBytes(bad), 30)); // truncated
        LabeledDataset ds = new ImageFolderDataset(dir.resolve("train"), new ImageDecoder());
        try (DataLoader loader = new DataLoader(ds, DataLoaderTest::transform, 192, 6, false, false, 0, 2)) {
            List<DataLoader.Batch> batches = epoch(loader, 0, 0);
            assertThat(batches).hasSize(1);
            DataLoader.Batch b = batches.get(0);
            assertThat(b.size()).isEqualTo(5);
            assertThat(b.images()).hasSize(5 * 192);
            assertThat(b.labels()).containsExactly(0, 0, 0, 1, 1);
            assertThat(b.samples()).containsExactly(0, 1, 2, 3, 5);
            assertThat(b.failures()).singleElement().asString().startsWith(bad + ": ")
                    .doesNotStartWith(bad + ": " + bad); // named once
        }
    }

    @Test
    void tooFewSamplesForOneBatchIsAClearError(@TempDir Path dir) throws IOException {
        SyntheticImages.imageFolder(dir, 1, 3, 0, 8, 5);
        LabeledDataset ds = new ImageFolderDataset(dir.resolve("train"), new ImageDecoder());
        assertThatThrownBy(() -> new DataLoader(ds, DataLoaderTest::transform, 192, 4, true, true, 0, 1))
                .hasMessageContaining("3 samples, fewer than one batch of 4");
    }
}
