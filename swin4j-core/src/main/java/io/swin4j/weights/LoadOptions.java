package io.swin4j.weights;

/**
 * How {@link SwinWeights#load} treats a checkpoint.
 *
 * @param preset  a preset name to cross-check the inferred config against (and to take img size from), or null
 * @param strict  fail on missing, unexpected or mis-shaped keys (the default); otherwise report them
 * @param lenient accept training checkpoints holding objects outside the unpickler's allowlist (replaced by inert
 *                placeholders; tensors still come only from the allowlist)
 */
public record LoadOptions(String preset, boolean strict, boolean lenient) {

    public static LoadOptions defaults() {
        return new LoadOptions(null, true, false);
    }

    public LoadOptions optPreset(String name) {
        return new LoadOptions(name, strict, lenient);
    }

    public LoadOptions optStrict(boolean on) {
        return new LoadOptions(preset, on, lenient);
    }

    public LoadOptions optLenient(boolean on) {
        return new LoadOptions(preset, strict, on);
    }
}
