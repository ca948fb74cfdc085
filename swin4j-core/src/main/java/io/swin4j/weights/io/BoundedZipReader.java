package io.swin4j.weights.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads zip entries under a {@link CheckpointLimits} budget, in bounded chunks, never trusting the sizes the zip
 * declares: decompressed bytes are counted as they come, per entry and over the file, and an entry that inflates
 * beyond {@code compressed / minInflateRatio} is refused (Apache POI's zip-bomb rule). The compressed size bounds what
 * {@link ZipFile} reads of an entry's raw bytes, and it is checked against the file's length, so a lying header can
 * make the reader read at most {@code fileLength / minInflateRatio} bytes per entry (or the 100 KiB grace that small
 * entries get), and {@code maxTotalBytes} over the file.
 */
final class BoundedZipReader {

    private static final int CHUNK = 1 << 16;
    /** Decompressed size below which the ratio rule does not apply (Apache POI's GRACE_ENTRY_SIZE: 100 KiB). */
    static final long RATIO_GRACE = 100 << 10;

    private final ZipFile zip;
    private final Path file;
    private final CheckpointLimits limits;
    private final long fileLength;
    private long total;

    BoundedZipReader(ZipFile zip, Path file, long fileLength, CheckpointLimits limits) {
        this.zip = zip;
        this.file = file;
        this.limits = limits;
        this.fileLength = fileLength;
    }

    /** The entry's bytes, at most {@code cap} (itself within the per-entry limit). */
    byte[] read(ZipEntry entry, long cap, String capName) throws IOException {
        String name = entry.getName();
        long declared = entry.getSize();
        long compressed = entry.getCompressedSize();
        if (compressed < 0 || compressed > fileLength) {
            throw new CheckpointFormatException(file, "entry " + name + " declares a compressed size of " + compressed
                    + " bytes in a file of " + fileLength);
        }
        long cap1 = Math.min(cap, limits.maxEntryBytes());
        String why1 = cap1 == cap ? capName : "CheckpointLimits.maxEntryBytes";
        // Inflating beyond compressed/ratio is a zip bomb, whatever the entry declares (POI: min inflate ratio).
        // As POI, small entries get a grace size: a zeroed bias of a few KB deflates far beyond 1:100 in any zip tool.
        long ratioCap = limits.minInflateRatio() == 0 ? Long.MAX_VALUE
                : Math.max(RATIO_GRACE, (long) Math.ceil(compressed / limits.minInflateRatio()));
        if (declared > cap1) throw tooLarge(name, declared, cap1, why1, "declares");
        if (declared > ratioCap) throw bomb(name, declared, compressed, "declares");
        long remainingTotal = limits.maxTotalBytes() - total;
        if (declared > remainingTotal) throw tooLarge(name, declared, remainingTotal, "CheckpointLimits.maxTotalBytes", "declares");
        // A stored entry (torch.save's) is its declared size on disk, within the file: allocate it at once. A deflated
        // one starts small and grows as bytes actually come.
        boolean stored = entry.getMethod() == ZipEntry.STORED && declared == compressed;
        byte[] buf = new byte[(int) (stored ? declared : Math.min(Math.max(declared, 0), CHUNK * 16L))];
        int n = 0;
        try (InputStream in = zip.getInputStream(entry)) {
            while (true) {
                if (n == buf.length) {
                    // The entry goes on: grow within the budget (one more chunk is enough to see whether it ends).
                    long limit = Math.min(Math.min(cap1, ratioCap), remainingTotal);
                    if (n >= limit) {
                        if (in.read() < 0) break;
                        if (limit == ratioCap) throw bomb(name, n, compressed, "inflates to more than");
                        if (limit == cap1) throw tooLarge(name, n, cap1, why1, "inflates to more than");
                        throw tooLarge(name, n, remainingTotal, "CheckpointLimits.maxTotalBytes", "inflates to more than");
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min(limit, Math.max(CHUNK, (long) buf.length * 2)));
                }
                int r = in.read(buf, n, Math.min(CHUNK, buf.length - n));
                if (r < 0) break;
                n += r;
            }
        } catch (ZipException | java.io.EOFException e) {
            throw new CheckpointFormatException(file, "entry " + name + " is corrupt: " + e.getMessage(), e);
        }
        if (declared >= 0 && n != declared) {
            throw new CheckpointFormatException(file, "entry " + name + " holds " + n + " bytes, its header says "
                    + declared + " (truncated or corrupt)");
        }
        total += n;
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    private CheckpointFormatException tooLarge(String name, long size, long limit, String limitName, String verb) {
        return new CheckpointFormatException(file, "entry " + name + " " + verb + " " + size + " bytes, over the limit of "
                + limit + " (" + limitName + ")");
    }

    private CheckpointFormatException bomb(String name, long size, long compressed, String verb) {
        return new CheckpointFormatException(file, "entry " + name + " " + verb + " " + size + " bytes from " + compressed
                + " compressed: a compression ratio beyond 1:" + Math.round(1 / limits.minInflateRatio())
                + " is refused as a zip bomb (CheckpointLimits.minInflateRatio)");
    }
}
