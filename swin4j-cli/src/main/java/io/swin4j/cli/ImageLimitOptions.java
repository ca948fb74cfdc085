package io.swin4j.cli;

import io.swin4j.vision.ImageLimits;
import picocli.CommandLine.Option;

/** The decoder's limits as flags, shared by every command that reads image files (predict, embed, segment). */
final class ImageLimitOptions {

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "Refuse images with more pixels (decompression bombs; default: Pillow's 89,478,485).")
    Long maxPixels;

    @Option(names = "--max-image-bytes", paramLabel = "N",
            description = "Refuse image files larger than this (default: 268,435,456 = 256 MiB).")
    Long maxImageBytes;

    @Option(names = "--max-aspect-ratio", paramLabel = "R",
            description = "Refuse images whose longer side is more than R times the shorter (default: 100).")
    Double maxAspectRatio;

    /** The defaults, with what the flags change. */
    ImageLimits limits() {
        ImageLimits l = ImageLimits.DEFAULTS;
        if (maxPixels != null) l = l.withMaxPixels(maxPixels);
        if (maxImageBytes != null) l = l.withMaxFileBytes(maxImageBytes);
        if (maxAspectRatio != null) l = l.withMaxAspectRatio(maxAspectRatio);
        return l;
    }
}
