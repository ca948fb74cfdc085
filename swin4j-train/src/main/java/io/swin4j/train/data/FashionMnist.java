package io.swin4j.train.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST from its IDX files (gzipped or not): 28×28 grey images, 10 classes. Found in the directory given,
 * else {@code $SWIN4J_DATA}, else Debian's {@code /usr/share/datasets/fashion-mnist} (package
 * {@code dataset-fashion-mnist}). Never downloaded.
 */
public final class FashionMnist {

    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * One split: {@code images} holds count·rows·cols grey bytes, row-major per image.
     */
    public record Split(int count, int rows, int cols, byte[] images, byte[] labels) {
        public int label(int i) {
            return labels[i] & 0xff;
        }
    }

    private FashionMnist() {}

    /** The directory holding the IDX files: {@code dir} if given, else $SWIN4J_DATA, else Debian's. */
    public static Path locate(Path dir) throws IOException {
        List<Path> tried = new ArrayList<>();
        if (dir != null) {
            tried.add(dir);
        } else {
            String env = System.getenv("SWIN4J_DATA");
            if (env != null && !env.isBlank()) tried.add(Path.of(env));
            tried.add(Path.of(DEBIAN_DIR));
        }
        for (Path p : tried) {
            if (find(p, "train-images-idx3-ubyte") != null) return p;
        }
        throw new NoSuchFileException(String.join(", ", tried.stream().map(Path::toString).toList()), null,
                "Fashion-MNIST not found (looked for train-images-idx3-ubyte[.gz] there); install Debian's "
                        + "dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data DIR / set SWIN4J_DATA");
    }

    public static Split train(Path dir) throws IOException {
        return read(dir, "train");
    }

    public static Split test(Path dir) throws IOException {
        return read(dir, "t10k");
    }

    private static Split read(Path dir, String prefix) throws IOException {
        Path images = require(dir, prefix + "-images-idx3-ubyte");
        Path labels = require(dir, prefix + "-labels-idx1-ubyte");
        int[] imageDims = new int[3];
        byte[] pixels = readIdx(images, 0x803, imageDims);
        int[] labelDims = new int[1];
        byte[] classes = readIdx(labels, 0x801, labelDims);
        if (imageDims[0] != labelDims[0]) {
            throw new IOException(images + " has " + imageDims[0] + " images but " + labels + " has " + labelDims[0] + " labels");
        }
        for (byte c : classes) {
            if ((c & 0xff) >= CLASSES.size()) throw new IOException(labels + ": label " + (c & 0xff) + " outside 0..9");
        }
        return new Split(imageDims[0], imageDims[1], imageDims[2], pixels, classes);
    }

    private static Path find(Path dir, String base) {
        for (String name : new String[] {base, base + ".gz"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    private static Path require(Path dir, String base) throws NoSuchFileException {
        Path p = find(dir, base);
        if (p == null) throw new NoSuchFileException(dir.resolve(base).toString(), null, "IDX file missing (also tried .gz)");
        return p;
    }

    /** An IDX file of unsigned bytes: magic (0x08 type, rank), big-endian dimensions, data. */
    static byte[] readIdx(Path file, int expectedMagic, int[] dimsOut) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            if (magic != expectedMagic) {
                throw new IOException(file + ": IDX magic 0x" + Integer.toHexString(magic) + ", expected 0x"
                        + Integer.toHexString(expectedMagic) + " (unsigned bytes, rank " + (expectedMagic & 0xff) + ")");
            }
            long n = 1;
            for (int i = 0; i < dimsOut.length; i++) {
                dimsOut[i] = data.readInt();
                if (dimsOut[i] <= 0) throw new IOException(file + ": dimension " + i + " is " + dimsOut[i]);
                n *= dimsOut[i];
            }
            if (n > Integer.MAX_VALUE - 8) throw new IOException(file + ": " + n + " values are too many");
            byte[] out = new byte[(int) n];
            data.readFully(out);
            if (data.read() != -1) throw new IOException(file + ": data continues past the " + n + " values its header declares");
            return out;
        } catch (EOFException e) {
            throw new IOException(file + ": truncated (fewer values than its header declares)", e);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(file + ": corrupt gzip data: " + e.getMessage(), e);
        }
    }
}
