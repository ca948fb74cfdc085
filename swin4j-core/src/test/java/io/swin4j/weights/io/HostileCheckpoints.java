package io.swin4j.weights.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds the hostile checkpoints of issue 18 (one per row of its table) and the fuzzing seeds, byte by byte, so that
 * every expected outcome follows from how the file was made. {@link #main} writes the seed corpora of
 * {@link PthFuzzTest} and {@link SafetensorsFuzzTest}:
 * {@code java -cp <test classpath> io.swin4j.weights.io.HostileCheckpoints swin4j-core/src/test/resources}.
 */
public final class HostileCheckpoints {

    private HostileCheckpoints() {}

    /** A torch zip: data.pkl, byteorder and the storages "0", "1", ... */
    static Path torchZip(Path file, byte[] pickle, byte[]... storages) throws IOException {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", pickle);
        e.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < storages.length; i++) e.put("archive/data/" + i, storages[i]);
        return PickleWriter.zip(file, e);
    }

    /** A valid state dict {w: [2, 2] view of storage 0, b: [2] of storage 1, epoch: 3}, as torch.save lays it out. */
    static byte[] validPickle() {
        return new PickleWriter().raw("}").str("w").tensor("0", 4, 0, new int[] {2, 2}, new int[] {2, 1}).raw("s")
                .str("b").tensor("1", 2, 0, new int[] {2}, new int[] {1}).raw("s")
                .str("epoch").integer(3).raw("s.").bytes();
    }

    static Path validPth(Path file) throws IOException {
        return torchZip(file, validPickle(), PickleWriter.floats(1, 2, 3, 4), PickleWriter.floats(5, 6));
    }

    /** Row 1: {@code views} tensors of shape [n] and stride [0] over one 4-byte storage (torch: {@code t.expand(n)}). */
    public static Path expandedViews(Path file, long n, int views) throws IOException {
        PickleWriter p = new PickleWriter().raw("}");
        for (int i = 0; i < views; i++) {
            p.str("w" + i).tensor("0", 1, 0, new long[] {n}, new long[] {0}).raw("s");
        }
        return torchZip(file, p.raw(".").bytes(), PickleWriter.floats(7));
    }

    /**
     * Row 2: storage 0 is {@code inflated} zero bytes deflated (about inflated/1000 bytes). With {@code lie}, the
     * central directory (what ZipFile trusts) declares only 4 bytes for it.
     */
    public static Path zipBomb(Path file, long inflated, boolean lie) throws IOException {
        byte[] pickle = new PickleWriter().raw("}").str("w").tensor("0", 1, 0, new int[] {1}, new int[] {1})
                .raw("s.").bytes();
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            z.setLevel(Deflater.BEST_COMPRESSION);
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(pickle);
            z.putNextEntry(new ZipEntry("archive/data/0"));
            byte[] zeros = new byte[1 << 16];
            for (long left = inflated; left > 0; left -= zeros.length) z.write(zeros, 0, (int) Math.min(zeros.length, left));
            z.closeEntry();
        }
        if (lie) patchCentralSize(file, "archive/data/0", 4);
        return file;
    }

    /** Rewrites the uncompressed size of {@code name}'s central-directory header. */
    private static void patchCentralSize(Path file, String name, int size) throws IOException {
        byte[] all = Files.readAllBytes(file);
        byte[] sig = {0x50, 0x4b, 0x01, 0x02};
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = all.length - 46; i >= 0; i--) {
            if (all[i] == sig[0] && all[i + 1] == sig[1] && all[i + 2] == sig[2] && all[i + 3] == sig[3]
                    && java.util.Arrays.equals(all, i + 46, i + 46 + n.length, n, 0, n.length)) {
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.seek(i + 24);
                    raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(size).array());
                }
                return;
            }
        }
        throw new IllegalStateException("no central directory entry " + name);
    }

    /**
     * Row 3: {meta: L12, model: {w: tensor}}, where L0 = [] and L(i) holds L(i-1) ten times (memo references: 10^12 paths
     * through 13 lists); or, with {@code cycle}, {meta: A} where A = [B] and B = [A] (the state dict under model).
     */
    public static Path sharedReferences(Path file, boolean cycle) throws IOException {
        PickleWriter p = new PickleWriter().raw("}").str("meta");
        if (cycle) {
            p.raw("]q\u0000]q\u0001h\u0000aa"); // A, B; B.append(A); A.append(B)
        } else {
            p.raw("]q\u00000");
            for (int level = 1; level <= 12; level++) {
                p.raw("(");
                for (int k = 0; k < 10; k++) p.raw("h" + (char) (level - 1));
                p.raw("lq" + (char) level + "0");
            }
            p.raw("h\u000c");
        }
        // metadata sits beside the state dict, as in a training checkpoint {meta, model: {w}}
        p.raw("s").str("model").raw("}").str("w").tensor("0", 1, 0, new int[] {1}, new int[] {1}).raw("ss.");
        return torchZip(file, p.bytes(), PickleWriter.floats(1));
    }

    /**
     * Row 4: a pickle that is one length-prefixed opcode ({@code width}-byte little-endian length) declaring
     * {@code length} bytes, followed by {@code tail} bytes, in an otherwise valid torch zip.
     */
    public static Path lengthPrefixed(Path file, int opcode, int width, long length, int tail) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length);
        byte[] pickle = new PickleWriter().raw(String.valueOf((char) opcode))
                .bytes(java.util.Arrays.copyOf(len.array(), width)).bytes(new byte[tail]).bytes();
        return torchZip(file, pickle);
    }

    /** Row 5: one tensor of shape [3], stride [2^62] over a 1-element storage. */
    public static Path overflowingStride(Path file) throws IOException {
        byte[] pickle = new PickleWriter().raw("}").str("w").tensor("0", 1, 0, new long[] {3}, new long[] {1L << 62})
                .raw("s.").bytes();
        return torchZip(file, pickle, PickleWriter.floats(1));
    }

    /** A safetensors file: the header JSON (padded with spaces to 8 bytes, as the reference writes it), then data. */
    static Path safetensors(Path file, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) b.put((byte) ' ');
        b.put(data);
        return Files.write(file, b.array());
    }

    /** Row 6: shape [2^62] F32 with offsets [0, 0] (numel × 4 wraps to 0 in 64 bits). */
    public static Path safetensorsWrappingShape(Path file) throws IOException {
        return safetensors(file, "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + (1L << 62) + "],\"data_offsets\":[0,0]}}",
                new byte[0]);
    }

    /** Row 6: a valid [1] F32 tensor followed by {@code trailing} bytes nobody owns. */
    public static Path safetensorsTrailing(Path file, int trailing) throws IOException {
        return safetensors(file, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                new byte[4 + trailing]);
    }

    static Path validSafetensors(Path file) throws IOException {
        return safetensors(file, "{\"__metadata__\":{\"format\":\"pt\"},\"b\":{\"dtype\":\"F16\",\"shape\":[2],"
                + "\"data_offsets\":[16,20]},\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}",
                ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3).putFloat(4)
                        .putShort((short) 0x3c00).putShort((short) 0x4000).array());
    }

    /** Writes the seed corpora under {@code args[0]} (a test resources root). */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]).resolve("io/swin4j/weights/io");
        Path pth = Files.createDirectories(root.resolve("PthFuzzTestInputs/fuzz"));
        validPth(pth.resolve("seed-valid.pth"));
        Files.write(pth.resolve("seed-pickle-only"), validPickle()); // not a zip: the harness wraps it as data.pkl
        Files.write(pth.resolve("seed-shared-refs-pickle"), Files.readAllBytes(unzippedPickle(sharedReferences(
                Files.createTempFile("seed", ".pth"), true))));
        Files.write(pth.resolve("seed-nested-refs-pickle"), Files.readAllBytes(unzippedPickle(sharedReferences(
                Files.createTempFile("seed", ".pth"), false))));
        Path st = Files.createDirectories(root.resolve("SafetensorsFuzzTestInputs/fuzz"));
        validSafetensors(st.resolve("seed-valid.safetensors"));
        safetensors(st.resolve("seed-empty.safetensors"), "{}", new byte[0]);
    }

    private static Path unzippedPickle(Path pth) throws IOException {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(pth.toFile())) {
            Path out = Files.createTempFile("seed", ".pkl");
            Files.write(out, z.getInputStream(z.getEntry("archive/data.pkl")).readAllBytes());
            return out;
        }
    }
}
