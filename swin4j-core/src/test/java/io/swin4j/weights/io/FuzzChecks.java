package io.swin4j.weights.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the checkpoint fuzz harnesses let through: a {@link CheckpointFormatException} is the readers' one "bad input"
 * answer, unless it only wraps what should never happen: an Error (out of memory, stack overflow) or a RuntimeException
 * that escaped the readers' own checks ({@link ReaderFailures.Unexpected}). Any other exception is a finding too.
 */
final class FuzzChecks {

    private static Path dir;

    private FuzzChecks() {}

    /** One scratch file per harness class, rewritten for each input (ZipFile and FileChannel need a file). */
    static synchronized Path scratch(String name, byte[] data) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("swin4j-fuzz");
                dir.toFile().deleteOnExit();
            }
            Path f = dir.resolve(name);
            f.toFile().deleteOnExit();
            return Files.write(f, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    interface Read {
        void run() throws IOException;
    }

    static void expectOnlyFormatErrors(Read read) {
        try {
            read.run();
        } catch (ReaderFailures.Unexpected e) {
            throw new AssertionError("unexpected failure escaped the reader's checks: " + e.getMessage(), e);
        } catch (CheckpointFormatException e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof Error err) throw new AssertionError("reader hit " + err + " (" + e.getMessage() + ")", err);
            }
        } catch (IOException e) {
            throw new AssertionError("not a CheckpointFormatException: " + e, e);
        }
    }
}
