package io.swin4j.train.data;

import io.swin4j.testing.Required;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FashionMnistTest {

    private static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) out.writeInt(d);
        out.write(data);
        return bytes.toByteArray();
    }

    private static void write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
    }

    private static void split(Path dir, String prefix, int n, boolean gzip) throws IOException {
        byte[] px = new byte[n * 28 * 28];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7);
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) labels[i] = (byte) (i % 10);
        String gz = gzip ? ".gz" : "";
        write(dir.resolve(prefix + "-images-idx3-ubyte" + gz), idx(0x803, new int[] {n, 28, 28}, px), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + gz), idx(0x801, new int[] {n}, labels), gzip);
    }

    @Test
    void readsGzippedAndPlainIdx(@TempDir Path dir) throws Exception {
        split(dir, "train", 12, true);
        split(dir, "t10k", 5, false);
        FashionMnist.Split train = FashionMnist.train(dir);
        assertThat(train.count()).isEqualTo(12);
        assertThat(train.rows()).isEqualTo(28);
        assertThat(train.label(11)).isEqualTo(1);
        assertThat(train.images()[3] & 0xff).isEqualTo(21);
        assertThat(FashionMnist.test(dir).count()).isEqualTo(5);
        assertThat(FashionMnist.locate(dir)).isEqualTo(dir);
    }

    @Test
    void missingTruncatedAndMismatchedFilesAreClearErrors(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> FashionMnist.locate(dir)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("apt-get install dataset-fashion-mnist");
        split(dir, "train", 4, false);
        byte[] full = Files.readAllBytes(dir.resolve("train-images-idx3-ubyte"));
        Files.write(dir.resolve("train-images-idx3-ubyte"), java.util.Arrays.copyOf(full, full.length - 100));
        assertThatThrownBy(() -> FashionMnist.train(dir)).hasMessageContaining("train-images-idx3-ubyte").hasMessageContaining("truncated");
        split(dir, "train", 4, false);
        write(dir.resolve("train-labels-idx1-ubyte"), idx(0x801, new int[] {3}, new byte[3]), false);
        assertThatThrownBy(() -> FashionMnist.train(dir)).hasMessageContaining("has 4 images but");
        write(dir.resolve("train-labels-idx1-ubyte"), idx(0x803, new int[] {4}, new byte[4]), false);
        assertThatThrownBy(() -> FashionMnist.train(dir)).hasMessageContaining("IDX magic 0x803, expected 0x801");
    }

    @Test
    void readsDebiansDatasetWhenInstalled() throws Exception {
        Path debian = Path.of(FashionMnist.DEBIAN_DIR);
        Required.present(Files.isDirectory(debian), "Debian's dataset-fashion-mnist", "apt-get install dataset-fashion-mnist");
        FashionMnist.Split test = FashionMnist.test(debian);
        assertThat(test.count()).isEqualTo(10_000);
        int[] perClass = new int[10];
        for (int i = 0; i < test.count(); i++) perClass[test.label(i)]++;
        assertThat(perClass).containsOnly(1000); // the test split is balanced
    }
}
