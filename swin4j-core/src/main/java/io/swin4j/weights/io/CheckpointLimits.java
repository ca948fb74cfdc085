package io.swin4j.weights.io;

/**
 * The resource budget of the checkpoint readers ({@code .pth} zips and safetensors): what a file may make them
 * decompress, allocate or materialise before they refuse it with a {@link CheckpointFormatException}. The defaults fit
 * the largest public Swin checkpoints (Swin-L 22K fp32, about 800 MB, and a training checkpoint with optimizer state,
 * about three times that) with room to spare; a caller that needs more passes its own limits. The system property
 * {@code swin4j.checkpoint.maxTotalBytes} (bytes, e.g. {@code 16g} or {@code 17179869184}) overrides the default
 * total.
 *
 * @param maxEntryBytes    decompressed bytes of one zip entry (one storage) and of one safetensors tensor
 * @param maxTotalBytes    decompressed bytes of all entries of a zip together, and the data section of a safetensors
 * @param minInflateRatio  smallest compressed/decompressed ratio a zip entry may have (Apache POI's ZipSecureFile uses
 *                         0.01; {@code torch.save} never compresses, so real entries have ratio 1)
 * @param maxPickleBytes   size of {@code data.pkl} (the object tree, not the tensor data)
 * @param maxPickleOps     opcodes executed while unpickling (each makes at most one object)
 * @param maxExpandedBytes fp32 bytes materialised beyond what the storages hold, over the whole file: views that read
 *                         the same elements more than once (stride 0, {@code expand}, overlapping strides). Torch
 *                         keeps such views lazy; swin4j copies tensors out, so it pays for each copy.
 * @param maxHeaderBytes   safetensors JSON header: 16 MiB by default, stricter than the reference's 100 MB because a
 *                         JSON tree takes about ten times its text in heap (Swin-L's header is about 40 KB); at most
 *                         100 MB whatever is set
 */
public record CheckpointLimits(long maxEntryBytes, long maxTotalBytes, double minInflateRatio, long maxPickleBytes,
                               long maxPickleOps, long maxExpandedBytes, long maxHeaderBytes) {

    /** Tensor rank above which a shape is refused (torch's own limit is 64 dimensions). */
    public static final int MAX_RANK = 64;

    public static final String TOTAL_PROPERTY = "swin4j.checkpoint.maxTotalBytes";

    public CheckpointLimits {
        if (maxEntryBytes <= 0 || maxEntryBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxEntryBytes must be in (0, 2^31 - 8] (one Java array), got " + maxEntryBytes);
        }
        if (maxTotalBytes <= 0 || maxPickleBytes <= 0 || maxPickleBytes > Integer.MAX_VALUE - 8 || maxPickleOps <= 0
                || maxExpandedBytes < 0 || maxHeaderBytes <= 0 || maxHeaderBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("checkpoint limits must be positive (and array-sized): " + this);
        }
        if (!(minInflateRatio >= 0 && minInflateRatio <= 1)) {
            throw new IllegalArgumentException("minInflateRatio must be in [0, 1], got " + minInflateRatio);
        }
    }

    /** The defaults, with {@code -Dswin4j.checkpoint.maxTotalBytes} applied when set. */
    public static CheckpointLimits defaults() {
        CheckpointLimits d = new CheckpointLimits(Integer.MAX_VALUE - 8, 8L << 30, 0.01, 64L << 20, 20_000_000L,
                64L << 20, 16L << 20);
        String total = System.getProperty(TOTAL_PROPERTY);
        return total == null || total.isBlank() ? d : d.withMaxTotalBytes(parseBytes(total));
    }

    public CheckpointLimits withMaxEntryBytes(long v) {
        return new CheckpointLimits(v, maxTotalBytes, minInflateRatio, maxPickleBytes, maxPickleOps, maxExpandedBytes, maxHeaderBytes);
    }

    public CheckpointLimits withMaxTotalBytes(long v) {
        return new CheckpointLimits(maxEntryBytes, v, minInflateRatio, maxPickleBytes, maxPickleOps, maxExpandedBytes, maxHeaderBytes);
    }

    public CheckpointLimits withMinInflateRatio(double v) {
        return new CheckpointLimits(maxEntryBytes, maxTotalBytes, v, maxPickleBytes, maxPickleOps, maxExpandedBytes, maxHeaderBytes);
    }

    public CheckpointLimits withMaxPickleBytes(long v) {
        return new CheckpointLimits(maxEntryBytes, maxTotalBytes, minInflateRatio, v, maxPickleOps, maxExpandedBytes, maxHeaderBytes);
    }

    public CheckpointLimits withMaxPickleOps(long v) {
        return new CheckpointLimits(maxEntryBytes, maxTotalBytes, minInflateRatio, maxPickleBytes, v, maxExpandedBytes, maxHeaderBytes);
    }

    public CheckpointLimits withMaxExpandedBytes(long v) {
        return new CheckpointLimits(maxEntryBytes, maxTotalBytes, minInflateRatio, maxPickleBytes, maxPickleOps, v, maxHeaderBytes);
    }

    public CheckpointLimits withMaxHeaderBytes(long v) {
        return new CheckpointLimits(maxEntryBytes, maxTotalBytes, minInflateRatio, maxPickleBytes, maxPickleOps, maxExpandedBytes, v);
    }

    /** "123", "64k", "512m", "16g" (binary units). */
    static long parseBytes(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        try {
            long v = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1));
            if (v <= 0 || v > (Long.MAX_VALUE >> shift)) throw new NumberFormatException();
            return v << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TOTAL_PROPERTY + ": '" + s + "' is not a positive byte count (e.g. 16g)");
        }
    }
}
