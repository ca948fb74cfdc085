package io.swin4j.weights.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.io.AtomicFiles;
import io.swin4j.tensor.HostTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the raw bytes.
 * Written by hand with Jackson for the header: no maintained Java library on Maven Central both reads and
 * writes it without native code.
 */
public final class Safetensors {

    /** Largest header accepted (the reference implementation uses 100 MB). */
    static final long MAX_HEADER = 100L << 20;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private Safetensors() {}

    /** Tensors in file order (fp32 whatever was stored) and the {@code __metadata__} strings. */
    public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {}

    public static Contents read(Path file) throws IOException {
        return read(file, CheckpointLimits.defaults());
    }

    /**
     * Reads and validates as the reference implementation ({@code safetensors}' Rust {@code validate}) does: a header
     * within the size cap that is a JSON object; known dtypes; shapes and offsets that are non-negative integers;
     * {@code numel × itemsize == end − begin} (overflow-checked); offsets that tile the data section exactly, no gap,
     * no overlap, no trailing bytes; {@code __metadata__} a map of strings. Any failure is a
     * {@link CheckpointFormatException} naming the file and the reason.
     */
    public static Contents read(Path file, CheckpointLimits limits) throws IOException {
        try {
            return readChecked(file, limits);
        } catch (CheckpointFormatException | java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
            throw e;
        } catch (RuntimeException | IOException | OutOfMemoryError | StackOverflowError e) {
            throw ReaderFailures.of(file, e);
        }
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private static Contents readChecked(Path file, CheckpointLimits limits) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) throw new CheckpointFormatException(file, "too short for a safetensors header");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            long maxHeader = Math.min(MAX_HEADER, limits.maxHeaderBytes());
            if (headerLen <= 0 || headerLen > maxHeader || headerLen > fileSize - 8) {
                throw new CheckpointFormatException(file, "safetensors header length " + headerLen
                        + " is invalid for a file of " + fileSize + " bytes (at most " + maxHeader
                        + ", CheckpointLimits.maxHeaderBytes)");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            JsonNode header;
            try {
                java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
                header = JSON.readTree(utf8.decode(headerBuf.flip()).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new CheckpointFormatException(file, "safetensors header is not valid UTF-8", e);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new CheckpointFormatException(file, "safetensors header is not valid JSON: "
                        + Summary.of(e.getOriginalMessage(), 200), e);
            }
            if (header == null || !header.isObject()) throw new CheckpointFormatException(file, "safetensors header is not a JSON object");
            long dataStart = 8 + headerLen;
            long dataSize = fileSize - dataStart;
            if (dataSize > limits.maxTotalBytes()) {
                throw new CheckpointFormatException(file, "data section of " + dataSize + " bytes is over the limit of "
                        + limits.maxTotalBytes() + " (CheckpointLimits.maxTotalBytes)");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    readMetadata(file, f.getValue(), metadata);
                } else {
                    entries.add(entry(file, f.getKey(), f.getValue(), dataSize, limits));
                }
            }
            checkTiling(file, entries, dataSize);
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                long bytes = e.end - e.begin;
                ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, bytes).order(ByteOrder.LITTLE_ENDIAN);
                float[] data = new float[(int) (bytes / e.dtype.bytes)];
                if (e.dtype == DType.F32) {
                    buf.asFloatBuffer().get(data);
                } else {
                    for (int i = 0; i < data.length; i++) data[i] = e.dtype.get(buf, i);
                }
                tensors.put(e.name, new HostTensor(e.shape, data, e.dtype.name()));
            }
            return new Contents(tensors, metadata);
        }
    }

    /** The reference's {@code __metadata__} is a {@code HashMap<String, String>}: any other value is an error. */
    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata) throws CheckpointFormatException {
        if (!node.isObject()) throw new CheckpointFormatException(file, "__metadata__ is not an object");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new CheckpointFormatException(file, "__metadata__ entry " + Summary.of(m.getKey())
                        + " is not a string (" + m.getValue().getNodeType() + ")");
            }
            metadata.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry entry(Path file, String name, JsonNode info, long dataSize, CheckpointLimits limits) throws CheckpointFormatException {
        String shown = Summary.of(name);
        if (!info.isObject()) throw new CheckpointFormatException(file, "tensor " + shown + " is not a JSON object");
        JsonNode dtypeNode = info.path("dtype");
        DType dtype = dtypeNode.isTextual() ? DTYPES.get(dtypeNode.textValue()) : null;
        if (dtype == null) {
            throw new CheckpointFormatException(file, "tensor " + shown + " has unsupported dtype '"
                    + Summary.of(dtypeNode.isTextual() ? dtypeNode.textValue() : dtypeNode.toString()) + "' (supported: "
                    + DTYPES.keySet() + ")");
        }
        JsonNode shapeNode = info.path("shape"), offsets = info.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw new CheckpointFormatException(file, "tensor " + shown + " lacks shape or data_offsets [begin, end]");
        }
        if (shapeNode.size() > CheckpointLimits.MAX_RANK) {
            throw new CheckpointFormatException(file, "tensor " + shown + " has rank " + shapeNode.size() + " (at most "
                    + CheckpointLimits.MAX_RANK + ")");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = natural(file, shown, "shape", shapeNode.get(i));
        long begin = integral(file, shown, offsets.get(0)), end = integral(file, shown, offsets.get(1));
        if (begin < 0 || end < begin || end > dataSize) {
            throw new CheckpointFormatException(file, "tensor " + shown + " data_offsets [" + begin + ", " + end
                    + "] fall outside the " + dataSize + "-byte data section");
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(HostTensor.numel(shape), dtype.bytes);
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(file, "tensor " + shown + " of shape " + java.util.Arrays.toString(shape)
                    + " " + dtype + " has more than 2^63 bytes");
        }
        if (bytes != end - begin) {
            throw new CheckpointFormatException(file, "tensor " + shown + " of shape " + java.util.Arrays.toString(shape)
                    + " " + dtype + " needs " + bytes + " bytes, its offsets span " + (end - begin));
        }
        if (bytes > limits.maxEntryBytes() || bytes / dtype.bytes > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(file, "tensor " + shown + " of " + bytes + " bytes is over the limit of "
                    + limits.maxEntryBytes() + " (CheckpointLimits.maxEntryBytes)");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A non-negative integer that fits a long (the reference: usize). */
    private static long natural(Path file, String tensor, String field, JsonNode n) throws CheckpointFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new CheckpointFormatException(file, "tensor " + tensor + " has an invalid " + field + ": "
                    + Summary.of(String.valueOf(n)) + " is not a non-negative 64-bit integer");
        }
        return n.longValue();
    }

    private static long integral(Path file, String tensor, JsonNode n) throws CheckpointFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new CheckpointFormatException(file, "tensor " + tensor + " has invalid data_offsets: "
                    + Summary.of(String.valueOf(n)) + " is not a 64-bit integer");
        }
        return n.longValue();
    }

    /** Offsets must tile the data section exactly: sorted, no gap, no overlap, nothing after the last tensor. */
    private static void checkTiling(Path file, List<Entry> entries, long dataSize) throws CheckpointFormatException {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long cursor = 0;
        for (Entry e : byOffset) {
            if (e.begin != cursor) {
                throw new CheckpointFormatException(file, "tensor " + Summary.of(e.name) + " data_offsets start at " + e.begin
                        + (e.begin < cursor ? ", overlapping the previous tensor" : ", leaving a gap") + " (expected " + cursor + ")");
            }
            cursor = e.end;
        }
        if (cursor != dataSize) {
            throw new CheckpointFormatException(file, cursor < dataSize
                    ? (dataSize - cursor) + " trailing bytes after the last tensor (its data ends at " + cursor
                            + " of a " + dataSize + "-byte data section)"
                    : "tensor data_offsets fall outside the " + dataSize + "-byte data section (the tensors need " + cursor + ")");
        }
    }

    /** The reference's dtype names this reader decodes (unsigned and 8-bit float types are not supported). */
    private static final Map<String, DType> DTYPES = Map.of("F32", DType.F32, "F16", DType.F16, "BF16", DType.BF16,
            "F64", DType.F64, "I64", DType.I64, "I32", DType.I32, "I16", DType.I16, "I8", DType.I8, "U8", DType.U8,
            "BOOL", DType.BOOL);

    private static DType writable(String dtype) {
        DType type = DTYPES.get(dtype == null ? "" : dtype.toUpperCase(java.util.Locale.ROOT));
        if (type == null || !(type == DType.F32 || type == DType.F16 || type == DType.BF16 || type == DType.I8
                || type == DType.I32)) {
            throw new IllegalArgumentException("unsupported dtype '" + dtype + "' for writing (F32, F16, BF16, I8 or I32)");
        }
        return type;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) throw new IOException("unexpected end of file");
        }
    }

    /**
     * Writes {@code tensors} in map order, stored as {@code dtype} (F32, F16 or BF16, rounded to nearest even),
     * atomically: a temporary file beside the target, then a rename.
     */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata, String dtype)
            throws IOException {
        DType type = DTYPES.get(dtype == null ? "" : dtype.toUpperCase(java.util.Locale.ROOT));
        if (type != DType.F32 && type != DType.F16 && type != DType.BF16) {
            throw new IllegalArgumentException("unsupported dtype '" + dtype + "' for writing (F32, F16 or BF16)");
        }
        write(file, tensors, metadata, name -> dtype);
    }

    /**
     * As {@link #write(Path, Map, Map, String)} with a dtype per tensor: F32, F16, BF16, or I8 / I32 for tensors whose
     * values are integers in that type's range (an int8 model's weights and zero points).
     */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata,
                             java.util.function.Function<String, String> dtypeOf) throws IOException {
        Map<String, DType> types = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            DType t = writable(dtypeOf.apply(e.getKey()));
            if (t == DType.I8 || t == DType.I32) {
                double lo = t == DType.I8 ? Byte.MIN_VALUE : Integer.MIN_VALUE, hi = t == DType.I8 ? Byte.MAX_VALUE : Integer.MAX_VALUE;
                for (float v : e.getValue().data()) {
                    if (v != Math.rint(v) || v < lo || v > hi) {
                        throw new IllegalArgumentException("tensor " + e.getKey() + " holds " + v + ", not a " + t + " value");
                    }
                }
            }
            types.put(e.getKey(), t);
        }
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
            DType type = types.get(e.getKey());
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", type.name());
            var shape = info.putArray("shape");
            for (long d : e.getValue().shape()) shape.add(d);
            long bytes = (long) e.getValue().data().length * type.bytes;
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // align data to 8 bytes, padding with spaces as the reference does
        byte[] headerBytes = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
                DType type = types.get(e.getKey());
                for (float v : e.getValue().data()) {
                    if (chunk.remaining() < 4) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    switch (type) {
                        case F32 -> chunk.putFloat(v);
                        case F16 -> chunk.putShort(DType.floatToHalf(v));
                        case BF16 -> chunk.putShort(DType.floatToBf16(v));
                        case I8 -> chunk.put((byte) v);
                        default -> chunk.putInt((int) v);
                    }
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        });
    }
}
