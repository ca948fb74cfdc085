package io.swin4j.hub;

import io.swin4j.weights.LoadOptions;
import io.swin4j.weights.SwinWeights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Weights by name, like {@code timm.create_model(name, pretrained=True)}: a registry name is downloaded into the
 * {@link WeightsCache} when needed and loaded with {@link SwinWeights#load(Path, LoadOptions)}. An existing file
 * path is used as it is (a path wins over a registry name).
 */
public final class SwinModels {

    private SwinModels() {}

    /** Loads a registry model (or a file) with the default options, the default registry and cache. */
    public static SwinWeights load(String nameOrPath) throws IOException {
        return load(nameOrPath, LoadOptions.defaults());
    }

    public static SwinWeights load(String nameOrPath, LoadOptions options) throws IOException {
        return load(nameOrPath, options, ModelRegistry.defaults(), WeightsCache.defaults(), DownloadListener.NONE);
    }

    /**
     * Loads a registry model or a file. For a registry model the entry's preset is the cross-check preset unless
     * {@code options} names one (or swin4j does not know the preset yet).
     */
    public static SwinWeights load(String nameOrPath, LoadOptions options, ModelRegistry registry, WeightsCache cache,
                                   DownloadListener listener) throws IOException {
        Path file = existing(nameOrPath);
        if (file != null) return SwinWeights.load(file, options);
        ModelEntry entry = registry.get(nameOrPath);
        Path fetched = cache.fetch(entry, listener);
        LoadOptions o = options.preset() == null ? entry.knownPreset().map(options::optPreset).orElse(options) : options;
        return SwinWeights.load(fetched, o);
    }

    /** The local file of a path or registry name (downloading it when needed), with the default registry and cache. */
    public static Path resolve(String nameOrPath) throws IOException {
        return resolve(nameOrPath, ModelRegistry.defaults(), WeightsCache.defaults(), DownloadListener.NONE);
    }

    /**
     * @throws IllegalArgumentException neither an existing file nor a registry name (the message lists near matches)
     */
    public static Path resolve(String nameOrPath, ModelRegistry registry, WeightsCache cache, DownloadListener listener)
            throws IOException {
        Path file = existing(nameOrPath);
        if (file != null) return file;
        ModelEntry entry = registry.find(nameOrPath).orElseThrow(() -> new IllegalArgumentException(
                "no file " + nameOrPath + " and " + registry.unknown(nameOrPath)));
        return cache.fetch(entry, listener);
    }

    private static Path existing(String nameOrPath) {
        try {
            Path p = Path.of(nameOrPath);
            return Files.exists(p) ? p : null;
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
