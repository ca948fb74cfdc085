package io.swin4j.weights.io;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link CheckpointReader#read} on safetensors files (content sniffing, header validation, tensor decoding).
 * Seeds: {@link HostileCheckpoints#main}.
 */
class SafetensorsFuzzTest {

    public static void fuzzerTestOneInput(byte[] data) {
        FuzzChecks.expectOnlyFormatErrors(() -> CheckpointReader.read(FuzzChecks.scratch("input.safetensors", data)));
    }

    @FuzzTest
    void fuzz(byte[] data) {
        fuzzerTestOneInput(data);
    }
}
