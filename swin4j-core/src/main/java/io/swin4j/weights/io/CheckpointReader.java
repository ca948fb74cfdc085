package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads any supported checkpoint file, recognised by its content (not its name): PyTorch zip
 * ({@code .pth}, {@code .pt}, HF {@code .bin}) or safetensors. Unwraps the usual containers.
 */
public final class CheckpointReader {

    /** Keys under which training scripts nest the state dict, tried in this order. */
    private static final List<String> WRAPPERS = List.of("state_dict", "model", "model_state", "model_state_dict", "module");

    private CheckpointReader() {}

    public static Checkpoint read(Path file) throws IOException {
        return read(file, false);
    }

    /** @param lenient accept non-allowlisted objects as inert placeholders (training checkpoints) */
    public static Checkpoint read(Path file, boolean lenient) throws IOException {
        return read(file, lenient, CheckpointLimits.defaults());
    }

    /**
     * Reads within {@code limits}. Every failure of the file, whatever its cause inside (an unpickler exception, a
     * corrupt zip, a heap too small for it), is a {@link CheckpointFormatException} naming the file and the reason; a
     * missing file is a {@link NoSuchFileException}.
     */
    public static Checkpoint read(Path file, boolean lenient, CheckpointLimits limits) throws IOException {
        try {
            return readChecked(file, lenient, limits);
        } catch (CheckpointFormatException | NoSuchFileException | java.nio.file.AccessDeniedException e) {
            throw e;
        } catch (RuntimeException | IOException | OutOfMemoryError | StackOverflowError e) {
            throw ReaderFailures.of(file, e);
        }
    }

    private static Checkpoint readChecked(Path file, boolean lenient, CheckpointLimits limits) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "checkpoint file not found");
        if (Files.isDirectory(file)) throw new CheckpointFormatException(file, "is a directory, not a checkpoint file");
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n == 0) throw new CheckpointFormatException(file, "file is empty");
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            Object root = TorchCheckpointReader.readObject(file, lenient, limits);
            return unwrap(file, root);
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            throw new CheckpointFormatException(file, "legacy (pre-1.6, non-zip) PyTorch serialization is not supported;"
                    + " re-save it with torch.save(torch.load(f), f2) on torch >= 1.6");
        }
        if (n >= 9) {
            long headerLen = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLen > 0 && headerLen <= Safetensors.MAX_HEADER && head[8] == '{') {
                Safetensors.Contents c = Safetensors.read(file, limits);
                return new Checkpoint(file, "safetensors", c.tensors(), c.metadata(), List.of());
            }
        }
        throw new CheckpointFormatException(file, "unrecognised format: neither a PyTorch zip checkpoint nor safetensors");
    }

    private static Checkpoint unwrap(Path file, Object root) throws CheckpointFormatException {
        List<String> notes = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        Object current = root;
        Object meta = root instanceof Map<?, ?> top && top.get("meta") instanceof Map<?, ?> m ? m : null;
        for (int depth = 0; depth < 4 && current instanceof Map<?, ?> map && !holdsTensors(map); depth++) {
            Object next = null;
            for (String key : WRAPPERS) {
                if (map.get(key) instanceof Map<?, ?> inner) {
                    next = inner;
                    notes.add("state dict taken from the '" + key + "' entry");
                    break;
                }
            }
            if (depth == 0) {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!(e.getValue() instanceof Map)) metadata.put(Summary.of(e.getKey()), summarise(e.getValue()));
                }
            }
            if (next == null) break;
            current = next;
        }
        if (!(current instanceof Map<?, ?> map)) {
            throw new CheckpointFormatException(file, "holds a " + typeName(current) + ", not a state dict");
        }
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getValue() instanceof HostTensor t) tensors.put(keyOf(e.getKey()), t);
            else if (dropped.size() < Summary.MAX_ELEMENTS) dropped.add(Summary.of(e.getKey()));
            else if (dropped.size() == Summary.MAX_ELEMENTS) dropped.add("...");
        }
        if (tensors.isEmpty()) {
            throw new CheckpointFormatException(file, "contains no tensors (top-level keys: " + keys(root) + ")");
        }
        if (!dropped.isEmpty()) notes.add("non-tensor entries ignored: " + dropped);
        if (tensors.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            Map<String, HostTensor> stripped = new LinkedHashMap<>();
            tensors.forEach((k, v) -> stripped.put(k.substring("module.".length()), v));
            tensors = stripped;
            notes.add("'module.' prefix (DataParallel) removed");
        }
        return new Checkpoint(file, "torch-zip", tensors, metadata, notes, meta);
    }

    private static boolean holdsTensors(Map<?, ?> map) {
        return map.values().stream().anyMatch(v -> v instanceof HostTensor);
    }

    /** Bounded whatever the value holds: shared references, cycles, huge ints (see {@link Summary}). */
    static String summarise(Object v) {
        return Summary.of(v);
    }

    /** A state-dict key: a string in every real checkpoint; anything else is shown in bounded form. */
    private static String keyOf(Object key) {
        return key instanceof String s ? s : Summary.of(key);
    }

    private static String typeName(Object o) {
        if (o instanceof RestrictedUnpickler.Opaque op) return op.pythonClass();
        return o == null ? "None" : o instanceof List || o instanceof Object[] ? "list/tuple" : o.getClass().getSimpleName();
    }

    private static String keys(Object root) {
        return root instanceof Map<?, ?> m ? Summary.of(m.keySet(), 200) : typeName(root);
    }
}
