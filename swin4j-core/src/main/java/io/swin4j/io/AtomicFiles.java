package io.swin4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a partial write, and so
 * that the new one survives a crash or power loss once {@link #write} returns.
 *
 * <p>Durability: the temporary file's content is forced to the device ({@code fsync}) before the rename, and the
 * directory is forced after it, so the rename cannot reach the disk before the data it points to. On Linux (and
 * the BSDs) a directory opened for reading can be forced. Where it cannot (Windows refuses to open a directory as a
 * file), the directory step is skipped: NTFS journals the rename itself, and it becomes durable when the journal is
 * flushed (normally within seconds). On macOS {@code fsync} reaches the drive but not through its write cache
 * ({@code F_FULLFSYNC}, which the JDK does not issue), so a power cut can still lose the last writes there.
 */
public final class AtomicFiles {

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Test seam: told of each path forced to the device, just after it was (file or directory). */
    static volatile Consumer<Path> syncObserver = p -> {};

    private AtomicFiles() {}

    /**
     * Writes through a temporary file beside {@code target} (created with the process umask, unlike
     * Files.createTempFile's owner-only mode), forces it to the device, renames it over the target and forces the
     * directory.
     */
    public static void write(Path target, Writer writer) throws IOException {
        try (Pending p = begin(target)) {
            writer.write(p.stream());
            p.commit();
        }
    }

    /**
     * Starts a write whose content comes from code that runs for a while (a stream of results): write to
     * {@link Pending#stream()}, then {@link Pending#commit()}; closing an uncommitted write deletes its temporary
     * file and leaves the target as it was.
     */
    public static Pending begin(Path target) throws IOException {
        return new Pending(target);
    }

    /** A write in progress to a temporary file beside its target. */
    public static final class Pending implements AutoCloseable {
        private final Path target, tmp;
        private final FileChannel channel;
        private final OutputStream out;
        private boolean committed;

        private Pending(Path target) throws IOException {
            this.target = target;
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 20);
        }

        /** Where the content goes (buffered); closing it is not needed (and does not commit). */
        public OutputStream stream() {
            return out;
        }

        /** Forces the content to the device, renames it over the target and forces the directory. */
        public void commit() throws IOException {
            out.flush();
            channel.force(true);
            syncObserver.accept(tmp);
            channel.close();
            move(tmp, target);
            committed = true;
        }

        /** Without a commit: deletes the temporary file. */
        @Override
        public void close() throws IOException {
            if (committed) return;
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Renames {@code source} over {@code target} atomically (both in one directory, or at least on one file
     * system) and forces the target's directory, so the rename survives a crash. The caller has forced the
     * source's content first ({@link #sync}, {@link #syncTree}).
     */
    public static void move(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /** Forces a file written by someone else (a native library, a stream closed without force) to the device. */
    public static void sync(Path file) throws IOException {
        // WRITE, not READ: some platforms refuse to flush a descriptor opened read-only.
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        syncObserver.accept(file);
    }

    /**
     * Forces a directory's entries (names created, renamed or deleted in it) to the device; a no-op where the
     * platform cannot open a directory (see the class comment).
     */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (isWindows() && Files.isDirectory(dir)) return; // Windows: a directory is not a file (class comment)
            throw e;
        }
        syncObserver.accept(dir);
    }

    /** Forces every file under {@code root}, then every directory bottom up, {@code root} last. */
    public static void syncTree(Path root) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) if (Files.isRegularFile(p)) sync(p);
        for (Path p : all) if (Files.isDirectory(p)) syncDirectory(p);
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }
}
