package io.swin4j.weights.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Safetensors' limits at exactly the limit and one past it, on files laid out here by the format's definition
 * (8-byte little-endian header length, JSON header, data section), and the reference's validation rules for offsets.
 */
class SafetensorsLimitsTest {

    @TempDir Path dir;

    private static final CheckpointLimits WIDE = new CheckpointLimits(1 << 20, 1 << 20, 0.01, 1 << 20, 1000, 0, 1 << 20);

    private Path file(String name, long declaredHeaderLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredHeaderLength).put(h);
        for (int i = 0; i < dataBytes / 4; i++) b.putFloat(i + 0.5f);
        Path f = dir.resolve(name + ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private Path file(String name, String header, int dataBytes) throws IOException {
        return file(name, header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private static String f32(String name, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private static String refusal(Path f, CheckpointLimits limits) {
        return assertThrows(CheckpointFormatException.class, () -> Safetensors.read(f, limits)).getMessage();
    }

    @Test
    void aHeaderOfExactlyTheCapIsReadAndOneByteMoreRefused() throws IOException {
        String header = "{" + f32("w", "[2]", 0, 8) + "}";
        int len = header.length();
        Path f = file("h", header, 8);
        assertArrayEquals(new float[]{0.5f, 1.5f}, Safetensors.read(f, WIDE.withMaxHeaderBytes(len)).tensors().get("w").data());
        assertEquals(f + ": safetensors header length " + len + " is invalid for a file of " + (8 + len + 8)
                + " bytes (at most " + (len - 1) + ", CheckpointLimits.maxHeaderBytes)", refusal(f, WIDE.withMaxHeaderBytes(len - 1)));
    }

    @Test
    void theHeaderMayFillTheFileButNotPassItsEnd() throws IOException {
        Path empty = file("e", "{}", 0); // 10 bytes: the header ends exactly at the end of the file
        assertEquals(Collections.emptyMap(), Safetensors.read(empty, WIDE).tensors());
        Path over = file("o", 3, "{}", 0);
        assertEquals(over + ": safetensors header length 3 is invalid for a file of 10 bytes (at most " + (1 << 20)
                + ", CheckpointLimits.maxHeaderBytes)", refusal(over, WIDE));
    }

    @Test
    void theDataSectionMayBeExactlyTheTotalLimit() throws IOException {
        Path f = file("d", "{" + f32("w", "[4]", 0, 16) + "}", 16);
        assertEquals(4, Safetensors.read(f, WIDE.withMaxTotalBytes(16)).tensors().get("w").data().length);
        assertEquals(f + ": data section of 16 bytes is over the limit of 15 (CheckpointLimits.maxTotalBytes)",
                refusal(f, WIDE.withMaxTotalBytes(15)));
    }

    @Test
    void aTensorMayBeExactlyTheEntryLimit() throws IOException {
        Path f = file("t", "{" + f32("w", "[2]", 0, 8) + "}", 8);
        assertEquals(2, Safetensors.read(f, WIDE.withMaxEntryBytes(8)).tensors().get("w").data().length);
        assertEquals(f + ": tensor w of 8 bytes is over the limit of 7 (CheckpointLimits.maxEntryBytes)",
                refusal(f, WIDE.withMaxEntryBytes(7)));
    }

    @Test
    void rankUpToTorchs64() throws IOException {
        String ones64 = "[" + String.join(",", Collections.nCopies(64, "1")) + "]";
        Path ok = file("r64", "{" + f32("w", ones64, 0, 4) + "}", 4);
        assertEquals(64, Safetensors.read(ok, WIDE).tensors().get("w").shape().length);
        String ones65 = "[" + String.join(",", Collections.nCopies(65, "1")) + "]";
        Path over = file("r65", "{" + f32("w", ones65, 0, 4) + "}", 4);
        assertEquals(over + ": tensor w has rank 65 (at most 64)", refusal(over, WIDE));
    }

    @Test
    void aTensorEntryMustBeAnObject() throws IOException {
        Path f = file("n", "{\"w\":1}", 0);
        assertEquals(f + ": tensor w is not a JSON object", refusal(f, WIDE));
    }

    @Test
    void offsetsMustBeNonNegativeIntegers() throws IOException {
        // [-4, 0] spans the 4 bytes a [1] F32 tensor needs, but starts before the data section (the reference: usize)
        Path neg = file("neg", "{" + f32("w", "[1]", -4, 0) + "}", 4);
        assertEquals(neg + ": tensor w data_offsets [-4, 0] fall outside the 4-byte data section", refusal(neg, WIDE));
        Path real = file("real", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4.0]}}", 4);
        assertEquals(real + ": tensor w has invalid data_offsets: 0.0 is not a 64-bit integer", refusal(real, WIDE));
    }
}
