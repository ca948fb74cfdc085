package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch zip checkpoint ({@code torch.save} since 1.6: {@code <name>/data.pkl} plus one
 * {@code <name>/data/<key>} entry per storage) through {@link RestrictedUnpickler}, within a {@link CheckpointLimits}
 * budget. Tensors come back as fp32 {@link HostTensor}s whatever their stored dtype, honouring offsets and strides; a
 * storage shared by several tensors is read once, and identical views of it share one tensor.
 *
 * <p>Views are checked with overflow-safe arithmetic against their storage. A view that reads elements more than once
 * (stride 0 from {@code expand}, overlapping strides) is legal in torch, which keeps it lazy ({@code torch.load}
 * rebuilds it with {@code set_(storage, offset, size, stride)}, no copy); swin4j copies every tensor out, so the
 * elements materialised beyond what a storage holds are counted against {@link CheckpointLimits#maxExpandedBytes}.
 */
public final class TorchCheckpointReader {

    private TorchCheckpointReader() {}

    /** The unpickled object tree: Maps, Lists, Object[] tuples, primitives and HostTensors. */
    public static Object readObject(Path file, boolean lenient) throws IOException {
        return readObject(file, lenient, CheckpointLimits.defaults());
    }

    /**
     * The unpickled object tree; every failure, whatever its cause inside (the unpickler, the zip, a heap too small
     * for the file), is a {@link CheckpointFormatException} naming the file and the reason.
     */
    public static Object readObject(Path file, boolean lenient, CheckpointLimits limits) throws IOException {
        try {
            return read(file, lenient, limits);
        } catch (CheckpointFormatException | java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
            throw e;
        } catch (RuntimeException | IOException | OutOfMemoryError | StackOverflowError e) {
            throw ReaderFailures.of(file, e);
        }
    }

    private static Object read(Path file, boolean lenient, CheckpointLimits limits) throws IOException {
        long length = Files.size(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new CheckpointFormatException(file, "not a readable zip (truncated or corrupt): " + e.getMessage(), e);
        }
        try (zip) {
            BoundedZipReader entries = new BoundedZipReader(zip, file, length, limits);
            String prefix = archivePrefix(zip, file);
            ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
            if (byteorder != null) {
                String order = new String(entries.read(byteorder, 64, "a byte order entry"), StandardCharsets.US_ASCII).trim();
                if (!order.equals("little")) {
                    throw new CheckpointFormatException(file, "byte order '" + Summary.of(order) + "' is not supported (little only)");
                }
            }
            Views views = new Views(file, limits);
            Map<String, Storage> storages = new HashMap<>();
            RestrictedUnpickler unpickler = new RestrictedUnpickler(
                    pid -> loadStorage(pid, zip, prefix, storages, entries, file),
                    views::rebuild, lenient, limits.maxPickleOps());
            byte[] pickle = entries.read(zip.getEntry(prefix + "data.pkl"), limits.maxPickleBytes(),
                    "CheckpointLimits.maxPickleBytes");
            try {
                return unpickler.loads(pickle);
            } catch (UncheckedCheckpointException e) {
                throw e.getCause();
            } catch (RuntimeException e) {
                // Pyrolite reports malformed input in many ways (PickleException, ClassCastException, ...).
                throw new CheckpointFormatException(file, messageOf(e), e);
            }
        }
    }

    private static String messageOf(RuntimeException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("refused")) return e.getMessage();
        return "malformed pickle in data.pkl: " + Summary.of(String.valueOf(e), 200);
    }

    /** The folder every entry lives in: torch names it after the file stem ("archive" in recent versions). */
    private static String archivePrefix(ZipFile zip, Path file) throws CheckpointFormatException {
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            if (name.endsWith("data.pkl") && name.indexOf('/') == name.length() - "data.pkl".length() - 1) {
                return name.substring(0, name.length() - "data.pkl".length());
            }
        }
        throw new CheckpointFormatException(file, "zip has no <name>/data.pkl entry: not a PyTorch checkpoint");
    }

    /** Carries a checked error out of Pyrolite's callbacks. */
    static final class UncheckedCheckpointException extends RuntimeException {
        UncheckedCheckpointException(CheckpointFormatException cause) {
            super(cause);
        }

        @Override
        public synchronized CheckpointFormatException getCause() {
            return (CheckpointFormatException) super.getCause();
        }
    }

    /** A storage: its bytes and element type. */
    record Storage(ByteBuffer bytes, DType dtype, String key) {
        long elements() {
            return bytes.capacity() / dtype.bytes;
        }
    }

    private static Object loadStorage(Object pid, ZipFile zip, String prefix, Map<String, Storage> cache,
                                      BoundedZipReader entries, Path file) {
        Object[] t = pid instanceof Object[] a ? a : pid instanceof List<?> l ? l.toArray() : null;
        if (t == null || t.length < 5 || !"storage".equals(t[0])
                || !(t[1] instanceof RestrictedUnpickler.StorageType type) || !(t[2] instanceof String key)) {
            throw new UncheckedCheckpointException(new CheckpointFormatException(file,
                    "unsupported persistent id " + Summary.of(pid) + " (expected a torch storage)"));
        }
        Storage cached = cache.get(key);
        if (cached != null) {
            if (cached.dtype != type.dtype()) {
                throw new UncheckedCheckpointException(new CheckpointFormatException(file, "storage " + Summary.of(key)
                        + " is named as " + cached.dtype + " and as " + type.dtype()));
            }
            return cached;
        }
        ZipEntry e = zip.getEntry(prefix + "data/" + key);
        if (e == null) {
            throw new UncheckedCheckpointException(new CheckpointFormatException(file,
                    "storage entry " + Summary.of(prefix + "data/" + key) + " is missing"));
        }
        try {
            Storage s = new Storage(ByteBuffer.wrap(entries.read(e, Long.MAX_VALUE, "CheckpointLimits.maxEntryBytes"))
                    .order(ByteOrder.LITTLE_ENDIAN), type.dtype(), key);
            cache.put(key, s);
            return s;
        } catch (CheckpointFormatException ex) {
            throw new UncheckedCheckpointException(ex);
        } catch (IOException ex) {
            throw new UncheckedCheckpointException(new CheckpointFormatException(file, String.valueOf(ex.getMessage()), ex));
        }
    }

    /** _rebuild_tensor_v2 calls: checks each view against its storage and materialises it within the budget. */
    private static final class Views {
        private final Path file;
        private final CheckpointLimits limits;
        /** A view, by its storage's key (the same String for every reference to it: hashed once). */
        private record ViewKey(String storage, long offset, String size, String stride) {}

        private final Map<ViewKey, HostTensor> built = new HashMap<>();
        private final Map<String, Long> materialised = new HashMap<>();
        private long expandedBytes;

        Views(Path file, CheckpointLimits limits) {
            this.file = file;
            this.limits = limits;
        }

        /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
        HostTensor rebuild(Object[] args) {
            try {
                if (args.length < 4 || !(args[0] instanceof Storage s)) {
                    throw new CheckpointFormatException(file, "malformed tensor record (no storage)");
                }
                long offset = exactLong(args[1]);
                long[] size = longs(args[2]);
                long[] stride = longs(args[3]);
                if (size.length != stride.length) throw new CheckpointFormatException(file, "tensor size/stride rank differ");
                if (size.length > CheckpointLimits.MAX_RANK) {
                    throw new CheckpointFormatException(file, "tensor of rank " + size.length + " (at most "
                            + CheckpointLimits.MAX_RANK + ")");
                }
                ViewKey view = new ViewKey(s.key, offset, Arrays.toString(size), Arrays.toString(stride));
                HostTensor same = built.get(view);
                if (same != null) return same;
                long n = checkView(s, offset, size, stride);
                long before = materialised.getOrDefault(s.key, 0L);
                long total = Math.addExact(before, n);
                long beyond = Math.max(0, total - s.elements()) - Math.max(0, before - s.elements());
                expandedBytes = Math.addExact(expandedBytes, Math.multiplyExact(beyond, 4));
                if (expandedBytes > limits.maxExpandedBytes()) {
                    throw new CheckpointFormatException(file, "tensor of shape " + Arrays.toString(size) + " strides "
                            + Arrays.toString(stride) + " views storage " + Summary.of(s.key) + " of " + s.elements()
                            + " elements: materialising expanded (stride-0 or overlapping) views would take "
                            + expandedBytes + " bytes beyond what the storages hold, over the limit of "
                            + limits.maxExpandedBytes() + " (CheckpointLimits.maxExpandedBytes)");
                }
                materialised.put(s.key, total);
                HostTensor t = new HostTensor(size, copy(s, offset, size, stride, (int) n), s.dtype.name());
                built.put(view, t);
                return t;
            } catch (CheckpointFormatException e) {
                throw new UncheckedCheckpointException(e);
            } catch (ClassCastException | ArithmeticException | IllegalArgumentException e) {
                throw new UncheckedCheckpointException(new CheckpointFormatException(file, "malformed tensor record: "
                        + Summary.of(String.valueOf(e), 200), e));
            }
        }

        /** The element count, once offset, sizes and strides are known to stay inside the storage (exact arithmetic). */
        private long checkView(Storage s, long offset, long[] size, long[] stride) throws CheckpointFormatException {
            for (int d = 0; d < size.length; d++) {
                if (stride[d] < 0) throw new CheckpointFormatException(file, "negative stride");
            }
            long n;
            try {
                n = HostTensor.numel(size); // refuses negative sizes
            } catch (ArithmeticException e) {
                throw new CheckpointFormatException(file, "tensor of shape " + Arrays.toString(size) + " has more than 2^63 elements");
            }
            long maxIndex = offset;
            try {
                for (int d = 0; d < size.length; d++) {
                    if (size[d] > 0) maxIndex = Math.addExact(maxIndex, Math.multiplyExact(size[d] - 1, stride[d]));
                }
            } catch (ArithmeticException e) {
                throw new CheckpointFormatException(file, "tensor of shape " + Arrays.toString(size) + " strides "
                        + Arrays.toString(stride) + " at offset " + offset + ": its last index overflows 64 bits");
            }
            if (offset < 0 || (n > 0 && maxIndex >= s.elements())) {
                throw new CheckpointFormatException(file, "tensor of shape " + Arrays.toString(size) + " at offset "
                        + offset + " runs past storage " + Summary.of(s.key) + " (" + s.elements() + " elements)");
            }
            if (n > Integer.MAX_VALUE - 8) throw new CheckpointFormatException(file, "tensor too large: " + n + " elements");
            return n;
        }

        private static float[] copy(Storage s, long offset, long[] size, long[] stride, int n) {
            float[] data = new float[n];
            int rank = size.length;
            long[] idx = new long[rank];
            long pos = offset;
            for (int i = 0; i < n; i++) {
                data[i] = s.dtype.get(s.bytes, pos);
                for (int d = rank - 1; d >= 0; d--) {
                    if (++idx[d] < size[d]) {
                        pos += stride[d];
                        break;
                    }
                    pos -= (size[d] - 1) * stride[d];
                    idx[d] = 0;
                }
            }
            return data;
        }
    }

    /** An int from the pickle as a long, refusing Python ints beyond 64 bits instead of truncating them. */
    private static long exactLong(Object o) {
        if (o instanceof BigInteger b) return b.longValueExact();
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) return ((Number) o).longValue();
        throw new ClassCastException("expected an int, got " + Summary.of(o));
    }

    private static long[] longs(Object o) {
        List<Object> list = new ArrayList<>();
        if (o instanceof Object[] a) {
            if (a.length > CheckpointLimits.MAX_RANK) throw new IllegalArgumentException("rank " + a.length);
            list.addAll(Arrays.asList(a));
        } else if (o instanceof List<?> l) {
            if (l.size() > CheckpointLimits.MAX_RANK) throw new IllegalArgumentException("rank " + l.size());
            list.addAll(l);
        } else {
            throw new ClassCastException("expected a tuple of ints, got " + Summary.of(o));
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = exactLong(list.get(i));
        return out;
    }
}
