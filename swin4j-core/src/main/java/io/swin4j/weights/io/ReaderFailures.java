package io.swin4j.weights.io;

import java.nio.file.Path;

/**
 * The last line of the readers: whatever escapes their own checks (a library's RuntimeException, an I/O error, a heap
 * too small for the file) becomes a {@link CheckpointFormatException} naming the file and the cause, so a caller never
 * sees a bare {@code NegativeArraySizeException} or an {@code OutOfMemoryError} from a checkpoint.
 */
final class ReaderFailures {

    private ReaderFailures() {}

    /**
     * A failure that none of the readers' own checks caught (a library exception, an Error): still a format error for
     * callers, but the fuzz harnesses count it as a finding.
     */
    static final class Unexpected extends CheckpointFormatException {
        Unexpected(Path file, String problem, Throwable cause) {
            super(file, problem, cause);
        }
    }

    static CheckpointFormatException of(Path file, Throwable e) {
        if (e instanceof CheckpointFormatException c) return c;
        if (e instanceof OutOfMemoryError) {
            return new Unexpected(file, "ran out of memory while reading (the JVM's heap, -Xmx, is "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB): the checkpoint is larger than this JVM can"
                    + " hold, or malformed", e);
        }
        if (e instanceof StackOverflowError) {
            return new Unexpected(file, "nesting too deep to read (stack overflow)", e);
        }
        if (e instanceof java.io.IOException) {
            return new CheckpointFormatException(file, "cannot be read: " + Summary.of(String.valueOf(e.getMessage()), 200), e);
        }
        return new Unexpected(file, "malformed checkpoint: " + Summary.of(String.valueOf(e), 200), e);
    }
}
