package io.swin4j.weights.io;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Fuzzes {@link CheckpointReader#read} (the entry point of {@code swin inspect}, with the metadata summary) on PyTorch
 * zips. An input that starts with "PK" is the file itself; any other input is taken as {@code data.pkl} and wrapped in
 * a torch zip with two small float storages "0" and "1", so that the fuzzer reaches the unpickler and the tensor
 * views without having to discover the zip format first. Lenient mode, so that foreign globals go on instead of
 * stopping at the allowlist. Seeds: {@link HostileCheckpoints#main}.
 */
class PthFuzzTest {

    private static final byte[] STORAGE0 = PickleWriter.floats(1, 2, 3, 4, 5, 6, 7, 8);
    private static final byte[] STORAGE1 = PickleWriter.floats(9, 10);

    public static void fuzzerTestOneInput(byte[] data) {
        byte[] file = data.length >= 2 && data[0] == 'P' && data[1] == 'K' ? data : wrap(data);
        FuzzChecks.expectOnlyFormatErrors(() -> CheckpointReader.read(FuzzChecks.scratch("input.pth", file), true));
    }

    private static byte[] wrap(byte[] pickle) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(bytes)) {
                z.setMethod(ZipOutputStream.DEFLATED);
                z.setLevel(0);
                put(z, "archive/data.pkl", pickle);
                put(z, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
                put(z, "archive/data/0", STORAGE0);
                put(z, "archive/data/1", STORAGE1);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        z.write(data);
        z.closeEntry();
    }

    @FuzzTest
    void fuzz(byte[] data) {
        fuzzerTestOneInput(data);
    }
}
