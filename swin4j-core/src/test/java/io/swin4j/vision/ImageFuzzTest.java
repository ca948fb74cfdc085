package io.swin4j.vision;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target "image" (tools/fuzz.sh image SECONDS): any bytes through {@link ImageDecoder} and the eval preset
 * {@code swin predict} uses for Swin-T at 224 ({@link EvalPreset#official224}). The only failure allowed is
 * {@link ImageDecodeException}; any other exception or Error is a finding, and so is an ImageDecodeException caused by
 * an OutOfMemoryError: within these limits (4 M pixels, a peak of about {@link ImageDecoder#peakBytes} = 46 MB) a
 * decode must fit the fuzzer's heap. {@code mvn test} replays the seeds and regression inputs in
 * {@code ImageFuzzTestInputs/fuzz/} (written by {@link HostileImages#main}, crashes added as found).
 */
class ImageFuzzTest {

    private static final ImageDecoder DECODER = new ImageDecoder(ImageLimits.DEFAULTS.withMaxPixels(1 << 22));
    private static final EvalPreset PRESET = EvalPreset.official224(224);

    public static void fuzzerTestOneInput(byte[] data) {
        RgbImage img;
        try {
            img = DECODER.decode(data, "fuzz input");
        } catch (ImageDecodeException e) {
            if (!e.getMessage().startsWith("fuzz input: ")) throw new AssertionError("error does not name the input: " + e.getMessage(), e);
            if (e.getCause() instanceof OutOfMemoryError oom) throw oom;
            return;
        }
        float[] x = PRESET.apply(img, DECODER.limits());
        if (x.length != 3 * 224 * 224) throw new AssertionError("preset gave " + x.length + " values");
    }

    @FuzzTest
    void fuzz(byte[] data) {
        fuzzerTestOneInput(data);
    }
}
