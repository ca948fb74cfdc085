package io.swin4j.weights.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * BoundedZipReader's limits at exactly the limit and one past it, with zips written here by java.util.zip and, for the
 * lying-header cases, the central directory's uncompressed-size field (offset 24 of a 0x02014b50 record, APPNOTE
 * 4.3.12) patched to a smaller value than the entry holds.
 */
class BoundedZipReaderTest {

    @TempDir Path dir;

    private static final CheckpointLimits WIDE = new CheckpointLimits(1 << 20, 1 << 20, 0.01, 1 << 20, 1000, 0, 1 << 20);

    private static byte[] seq(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + 7);
        return b;
    }

    private Path stored(String name, byte[] data) throws IOException {
        Path f = dir.resolve(name + ".zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            putStored(z, name, data);
        }
        return f;
    }

    /** One uncompressed entry (sizes and CRC declared up front, as STORED requires). */
    private static void putStored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    private Path deflated(String name, byte[] data) throws IOException {
        Path f = dir.resolve(name + ".zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            z.putNextEntry(new ZipEntry(name));
            z.write(data);
            z.closeEntry();
        }
        return f;
    }

    private Path twoStored(byte[] a, byte[] b) throws IOException {
        Path f = dir.resolve("two.zip");
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            putStored(z, "a", a);
            putStored(z, "b", b);
        }
        return f;
    }

    /** Sets the central directory's uncompressed size of the only entry (APPNOTE 4.3.12: offset 24, 4 bytes LE). */
    private static void patchDeclaredSize(Path f, int size) throws IOException {
        byte[] b = Files.readAllBytes(f);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int found = 0;
        for (int i = 0; i + 4 <= b.length; i++) {
            if (bb.getInt(i) == 0x02014b50) {
                bb.putInt(i + 24, size);
                found++;
            }
        }
        assertEquals(1, found, "one central directory record");
        Files.write(f, b);
    }

    private interface Read {
        byte[] apply(BoundedZipReader r, ZipEntry e) throws IOException;
    }

    private static byte[] read(Path f, CheckpointLimits limits, Read how) throws IOException {
        return read(f, Files.size(f), limits, how);
    }

    private static byte[] read(Path f, long fileLength, CheckpointLimits limits, Read how) throws IOException {
        try (ZipFile z = new ZipFile(f.toFile())) {
            ZipEntry e = z.entries().nextElement();
            return how.apply(new BoundedZipReader(z, f, fileLength, limits), e);
        }
    }

    private static String refusal(Path f, CheckpointLimits limits, Read how) {
        return assertThrows(CheckpointFormatException.class, () -> read(f, limits, how)).getMessage();
    }

    @Test
    void anEntryOfExactlyTheCapIsReadAndOneByteLessIsRefused() throws IOException {
        byte[] data = seq(100);
        Path f = stored("a", data);
        assertArrayEquals(data, read(f, WIDE, (r, e) -> r.read(e, 100, "the cap")));
        assertEquals(f + ": entry a declares 100 bytes, over the limit of 99 (the cap)",
                refusal(f, WIDE, (r, e) -> r.read(e, 99, "the cap")));
        // a cap above maxEntryBytes: the per-entry limit is the one named
        assertEquals(f + ": entry a declares 100 bytes, over the limit of 99 (CheckpointLimits.maxEntryBytes)",
                refusal(f, WIDE.withMaxEntryBytes(99), (r, e) -> r.read(e, 1000, "the cap")));
    }

    @Test
    void theCompressedSizeMustFitInTheFile() throws IOException {
        Path f = stored("a", seq(100));
        // a stored entry's compressed size is its 100 bytes: a file "of" exactly 100 bytes may hold it, of 99 not
        assertArrayEquals(seq(100), read(f, 100, WIDE, (r, e) -> r.read(e, 1000, "cap")));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> read(f, 99, WIDE, (r, en) -> r.read(en, 1000, "cap")));
        assertEquals(f + ": entry a declares a compressed size of 100 bytes in a file of 99", e.getMessage());
    }

    @Test
    void theTotalCountsEveryEntryReadSoFar() throws IOException {
        Path f = twoStored(seq(60), seq(40));
        try (ZipFile z = new ZipFile(f.toFile())) {
            BoundedZipReader exact = new BoundedZipReader(z, f, Files.size(f), WIDE.withMaxTotalBytes(100));
            assertArrayEquals(seq(60), exact.read(z.getEntry("a"), 1000, "cap"));
            assertArrayEquals(seq(40), exact.read(z.getEntry("b"), 1000, "cap"));
        }
        try (ZipFile z = new ZipFile(f.toFile())) {
            BoundedZipReader over = new BoundedZipReader(z, f, Files.size(f), WIDE.withMaxTotalBytes(99));
            over.read(z.getEntry("a"), 1000, "cap");
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> over.read(z.getEntry("b"), 1000, "cap"));
            // 99 - 60 = 39 bytes left for b's 40
            assertEquals(f + ": entry b declares 40 bytes, over the limit of 39 (CheckpointLimits.maxTotalBytes)",
                    e.getMessage());
        }
    }

    @Test
    void smallEntriesGetTheGraceSizeWhateverTheirRatio() throws IOException {
        // zeros deflate far beyond 1:100; up to RATIO_GRACE (100 KiB) decompressed they are still accepted
        Path ok = deflated("g", new byte[100 << 10]);
        assertArrayEquals(new byte[100 << 10], read(ok, WIDE, (r, e) -> r.read(e, 1 << 20, "cap")));
        Path bomb = deflated("b", new byte[(100 << 10) + 1]);
        long compressed;
        try (ZipFile z = new ZipFile(bomb.toFile())) {
            compressed = z.getEntry("b").getCompressedSize();
        }
        assertEquals(bomb + ": entry b declares " + ((100 << 10) + 1) + " bytes from " + compressed
                        + " compressed: a compression ratio beyond 1:100 is refused as a zip bomb (CheckpointLimits.minInflateRatio)",
                refusal(bomb, WIDE, (r, e) -> r.read(e, 1 << 20, "cap")));
        // ratio 0 turns the rule off
        assertEquals((100 << 10) + 1, read(bomb, WIDE.withMinInflateRatio(0), (r, e) -> r.read(e, 1 << 20, "cap")).length);
    }

    @Test
    void aHeaderThatUnderstatesTheSizeIsCaughtByCountingBytes() throws IOException {
        Path f = stored("a", seq(100));
        patchDeclaredSize(f, 10);
        // exactly at the cap: the whole entry is read, then the count disagrees with the header
        assertEquals(f + ": entry a holds 100 bytes, its header says 10 (truncated or corrupt)",
                refusal(f, WIDE, (r, e) -> r.read(e, 100, "the cap")));
        // one byte over the cap: refused as it inflates
        assertEquals(f + ": entry a inflates to more than 99 bytes, over the limit of 99 (the cap)",
                refusal(f, WIDE, (r, e) -> r.read(e, 99, "the cap")));
        assertEquals(f + ": entry a inflates to more than 99 bytes, over the limit of 99 (CheckpointLimits.maxTotalBytes)",
                refusal(f, WIDE.withMaxTotalBytes(99), (r, e) -> r.read(e, 1000, "the cap")));
    }

    @Test
    void aDeflatedEntryThatUnderstatesItsSizeIsRefusedAtTheRatioCap() throws IOException {
        int size = 300 << 10;
        Path f = deflated("z", new byte[size]);
        patchDeclaredSize(f, 10);
        long compressed;
        try (ZipFile z = new ZipFile(f.toFile())) {
            compressed = z.getEntry("z").getCompressedSize();
        }
        long ratioCap = Math.max(100 << 10, (long) Math.ceil(compressed / 0.01));
        assertEquals(f + ": entry z inflates to more than " + ratioCap + " bytes from " + compressed
                        + " compressed: a compression ratio beyond 1:100 is refused as a zip bomb (CheckpointLimits.minInflateRatio)",
                refusal(f, WIDE, (r, e) -> r.read(e, 1 << 20, "cap")));
    }
}
