package io.swin4j.hub;

import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinConfig.Family;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * One named public weight file.
 *
 * @param name         the registry name, unique: an official file stem, {@code timm/<model>.<tag>} or
 *                     {@code torchvision/<builder>}
 * @param family       V1, V2 or MLP
 * @param source       who publishes the file
 * @param preset       the swin4j config preset the file loads as (a string: presets of new families may be added
 *                     after the registry)
 * @param url          where to download it
 * @param sha256       the published SHA-256 of the whole file (64 hex digits), or null
 * @param sha256Prefix a published prefix of the SHA-256 (torchvision's file names), or null
 * @param file         the path of the file in the cache, relative to the cache root
 * @param numClasses   classifier outputs of the published head
 * @param citedFrom    where the URL (and hash) was read
 */
public record ModelEntry(String name, Family family, Source source, String preset, URI url, String sha256,
                         String sha256Prefix, String file, int numClasses, String citedFrom) {

    public ModelEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(file, "file");
    }

    /** The hash the downloaded file must have (whole or leading hex digits), or null when none is published. */
    public String expectedSha256() {
        return sha256 != null ? sha256 : sha256Prefix;
    }

    /** The entry's preset when swin4j knows it (a cross-check for loading), else empty. */
    public Optional<String> knownPreset() {
        return SwinConfig.presetNames().contains(preset) ? Optional.of(preset) : Optional.empty();
    }

    /** The name without its {@code source/} prefix. */
    public String shortName() {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(slash + 1);
    }
}
