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
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) throw new CheckpointFormatException(file, "too short for a safetensors header");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > fileSize) {
                throw new CheckpointFormatException(file, "safetensors header length " + headerLen
                        + " is invalid for a file of " + fileSize + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(headerBuf.array(), StandardCharsets.UTF_8));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new CheckpointFormatException(file, "safetensors header is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (header == null || !header.isObject()) throw new CheckpointFormatException(file, "safetensors header is not a JSON object");
            long dataStart = 8 + headerLen;
            long dataSize = fileSize - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            record Entry(String name, DType dtype, long[] shape, long begin, long end) {}
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("__metadata__")) {
                    if (!f.getValue().isObject()) throw new CheckpointFormatException(file, "__metadata__ is not an object");
                    f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                JsonNode info = f.getValue();
                DType dtype;
                try {
                    dtype = DType.valueOf(info.path("dtype").asText());
                } catch (IllegalArgumentException e) {
                    throw new CheckpointFormatException(file, "tensor " + f.getKey() + " has unsupported dtype '"
                            + info.path("dtype").asText() + "'");
                }
                JsonNode shapeNode = info.path("shape"), offsets = info.path("data_offsets");
                if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                    throw new CheckpointFormatException(file, "tensor " + f.getKey() + " lacks shape or data_offsets");
                }
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asLong(-1);
                long begin = offsets.get(0).asLong(-1), end = offsets.get(1).asLong(-1);
                long numel;
                try {
                    numel = HostTensor.numel(shape);
                } catch (IllegalArgumentException | ArithmeticException e) {
                    throw new CheckpointFormatException(file, "tensor " + f.getKey() + " has an invalid shape");
                }
                if (begin < 0 || end < begin || end > dataSize) {
                    throw new CheckpointFormatException(file, "tensor " + f.getKey() + " data_offsets [" + begin + ", "
                            + end + "] fall outside the " + dataSize + "-byte data section");
                }
                if (numel * dtype.bytes != end - begin) {
                    throw new CheckpointFormatException(file, "tensor " + f.getKey() + " of shape "
                            + java.util.Arrays.toString(shape) + " " + dtype + " needs " + numel * dtype.bytes
                            + " bytes, its offsets span " + (end - begin));
                }
                entries.add(new Entry(f.getKey(), dtype, shape, begin, end));
            }
            // Offsets must tile the data section without overlap, as the reference implementation requires.
            List<Entry> byOffset = new ArrayList<>(entries);
            byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            long cursor = 0;
            for (Entry e : byOffset) {
                if (e.begin != cursor) {
                    throw new CheckpointFormatException(file, "tensor " + e.name + " data_offsets start at " + e.begin
                            + (e.begin < cursor ? ", overlapping the previous tensor" : ", leaving a gap") + " (expected " + cursor + ")");
                }
                cursor = e.end;
            }
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                long bytes = e.end - e.begin;
                if (bytes > Integer.MAX_VALUE - 8) throw new CheckpointFormatException(file, "tensor " + e.name + " exceeds 2 GiB");
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
        DType type;
        try {
            type = DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unsupported dtype '" + dtype + "' for writing (F32, F16 or BF16)");
        }
        if (type != DType.F32 && type != DType.F16 && type != DType.BF16) {
            throw new IllegalArgumentException("unsupported dtype '" + dtype + "' for writing (F32, F16 or BF16)");
        }
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
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
            for (HostTensor t : tensors.values()) {
                for (float v : t.data()) {
                    if (chunk.remaining() < 4) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    switch (type) {
                        case F32 -> chunk.putFloat(v);
                        case F16 -> chunk.putShort(DType.floatToHalf(v));
                        default -> chunk.putShort(DType.floatToBf16(v));
                    }
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        });
    }
}
