package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;
import net.razorvine.pickle.PickleException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch zip checkpoint ({@code torch.save} since 1.6: {@code <name>/data.pkl} plus one
 * {@code <name>/data/<key>} entry per storage) through {@link RestrictedUnpickler}. Tensors come back as
 * fp32 {@link HostTensor}s whatever their stored dtype, honouring offsets and strides; a storage shared by
 * several tensors is read once.
 */
public final class TorchCheckpointReader {

    private TorchCheckpointReader() {}

    /** The unpickled object tree: Maps, Lists, Object[] tuples, primitives and HostTensors. */
    public static Object readObject(Path file, boolean lenient) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new CheckpointFormatException(file, "not a readable zip (truncated or corrupt): " + e.getMessage(), e);
        }
        try (zip) {
            String prefix = archivePrefix(zip, file);
            ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
            if (byteorder != null) {
                String order = new String(readEntry(zip, byteorder, file), StandardCharsets.US_ASCII).trim();
                if (!order.equals("little")) {
                    throw new CheckpointFormatException(file, "byte order '" + order + "' is not supported (little only)");
                }
            }
            Map<String, ByteBuffer> storages = new HashMap<>();
            RestrictedUnpickler unpickler = new RestrictedUnpickler(
                    pid -> loadStorage(pid, zip, prefix, storages, file),
                    args -> rebuildTensor(args, file), lenient);
            byte[] pickle = readEntry(zip, zip.getEntry(prefix + "data.pkl"), file);
            try {
                return unpickler.loads(pickle);
            } catch (PickleException | ClassCastException | IndexOutOfBoundsException e) {
                throw new CheckpointFormatException(file, messageOf(e), e);
            } catch (UncheckedCheckpointException e) {
                throw e.getCause();
            }
        }
    }

    private static String messageOf(RuntimeException e) {
        if (e.getMessage() != null && e.getMessage().startsWith("refused")) return e.getMessage();
        return "malformed pickle in data.pkl: " + e;
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

    private static byte[] readEntry(ZipFile zip, ZipEntry entry, Path file) throws IOException {
        if (entry == null) throw new CheckpointFormatException(file, "missing zip entry");
        long size = entry.getSize();
        if (size > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(file, "entry " + entry.getName() + " is larger than 2 GiB");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readAllBytes();
            if (size >= 0 && bytes.length != size) {
                throw new CheckpointFormatException(file, "entry " + entry.getName() + " is truncated");
            }
            return bytes;
        } catch (ZipException e) {
            throw new CheckpointFormatException(file, "entry " + entry.getName() + " is corrupt: " + e.getMessage(), e);
        }
    }

    /** Carries a checked error out of Pyrolite's callbacks. */
    private static final class UncheckedCheckpointException extends RuntimeException {
        UncheckedCheckpointException(CheckpointFormatException cause) {
            super(cause);
        }

        @Override
        public synchronized CheckpointFormatException getCause() {
            return (CheckpointFormatException) super.getCause();
        }
    }

    /** A storage: its bytes and element type. */
    private record Storage(ByteBuffer bytes, DType dtype, String key) {}

    private static Object loadStorage(Object pid, ZipFile zip, String prefix, Map<String, ByteBuffer> cache, Path file) {
        Object[] t = pid instanceof Object[] a ? a : pid instanceof List<?> l ? l.toArray() : null;
        if (t == null || t.length < 5 || !"storage".equals(t[0])
                || !(t[1] instanceof RestrictedUnpickler.StorageType type) || !(t[2] instanceof String key)) {
            throw new UncheckedCheckpointException(new CheckpointFormatException(file,
                    "unsupported persistent id " + describe(pid) + " (expected a torch storage)"));
        }
        ByteBuffer bytes = cache.computeIfAbsent(key, k -> {
            ZipEntry e = zip.getEntry(prefix + "data/" + k);
            if (e == null) {
                throw new UncheckedCheckpointException(new CheckpointFormatException(file,
                        "storage entry " + prefix + "data/" + k + " is missing"));
            }
            try {
                return ByteBuffer.wrap(readEntry(zip, e, file)).order(ByteOrder.LITTLE_ENDIAN);
            } catch (CheckpointFormatException ex) {
                throw new UncheckedCheckpointException(ex);
            } catch (IOException ex) {
                throw new UncheckedCheckpointException(new CheckpointFormatException(file, ex.getMessage(), ex));
            }
        });
        return new Storage(bytes, type.dtype(), key);
    }

    private static String describe(Object o) {
        if (o instanceof Object[] a) return java.util.Arrays.deepToString(a);
        return String.valueOf(o);
    }

    /** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
    private static HostTensor rebuildTensor(Object[] args, Path file) {
        try {
            if (args.length < 4 || !(args[0] instanceof Storage s)) {
                throw new CheckpointFormatException(file, "malformed tensor record (no storage)");
            }
            long offset = ((Number) args[1]).longValue();
            long[] size = longs(args[2]);
            long[] stride = longs(args[3]);
            if (size.length != stride.length) throw new CheckpointFormatException(file, "tensor size/stride rank differ");
            long n = HostTensor.numel(size);
            long available = s.bytes.capacity() / s.dtype.bytes;
            long maxIndex = offset;
            for (int d = 0; d < size.length; d++) {
                if (size[d] > 0) maxIndex += (size[d] - 1) * stride[d];
                if (stride[d] < 0) throw new CheckpointFormatException(file, "negative stride");
            }
            if (offset < 0 || (n > 0 && maxIndex >= available)) {
                throw new CheckpointFormatException(file, "tensor of shape " + java.util.Arrays.toString(size)
                        + " at offset " + offset + " runs past storage " + s.key + " (" + available + " elements)");
            }
            if (n > Integer.MAX_VALUE - 8) throw new CheckpointFormatException(file, "tensor too large: " + n);
            float[] data = new float[(int) n];
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
            return new HostTensor(size, data, s.dtype.name());
        } catch (CheckpointFormatException e) {
            throw new UncheckedCheckpointException(e);
        } catch (ClassCastException | ArithmeticException | IllegalArgumentException e) {
            throw new UncheckedCheckpointException(new CheckpointFormatException(file, "malformed tensor record: " + e, e));
        }
    }

    private static long[] longs(Object o) {
        List<Object> list = new ArrayList<>();
        if (o instanceof Object[] a) list.addAll(List.of(a));
        else if (o instanceof List<?> l) list.addAll(l);
        else throw new ClassCastException("expected a tuple of ints, got " + o);
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) list.get(i)).longValue();
        return out;
    }
}
