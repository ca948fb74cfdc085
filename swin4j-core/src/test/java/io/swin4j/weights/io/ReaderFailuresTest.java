package io.swin4j.weights.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Every escaped failure becomes a CheckpointFormatException naming the file; only the unexpected ones are marked. */
class ReaderFailuresTest {

    private static final Path FILE = Path.of("model.pth");

    @Test
    void aFormatErrorPassesThroughUnchanged() {
        CheckpointFormatException c = new CheckpointFormatException(FILE, "bad");
        assertSame(c, ReaderFailures.of(FILE, c));
    }

    @Test
    void outOfMemoryNamesTheHeapInMiB() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        CheckpointFormatException e = ReaderFailures.of(FILE, oom);
        assertInstanceOf(ReaderFailures.Unexpected.class, e);
        long mib = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        assertEquals("model.pth: ran out of memory while reading (the JVM's heap, -Xmx, is " + mib
                + " MiB): the checkpoint is larger than this JVM can hold, or malformed", e.getMessage());
        assertSame(oom, e.getCause());
    }

    @Test
    void stackOverflowIsNestingTooDeep() {
        StackOverflowError so = new StackOverflowError();
        CheckpointFormatException e = ReaderFailures.of(FILE, so);
        assertInstanceOf(ReaderFailures.Unexpected.class, e);
        assertEquals("model.pth: nesting too deep to read (stack overflow)", e.getMessage());
        assertSame(so, e.getCause());
    }

    @Test
    void anIoErrorIsAnOrdinaryFormatError() {
        IOException io = new IOException("Input/output error");
        CheckpointFormatException e = ReaderFailures.of(FILE, io);
        assertFalse(e instanceof ReaderFailures.Unexpected, "an I/O error is not a reader bug");
        assertEquals("model.pth: cannot be read: Input/output error", e.getMessage());
        assertSame(io, e.getCause());
    }

    @Test
    void anyOtherExceptionIsUnexpectedAndSummarised() {
        RuntimeException boom = new NegativeArraySizeException("-1");
        CheckpointFormatException e = ReaderFailures.of(FILE, boom);
        assertInstanceOf(ReaderFailures.Unexpected.class, e);
        assertEquals("model.pth: malformed checkpoint: java.lang.NegativeArraySizeException: -1", e.getMessage());
        assertSame(boom, e.getCause());
    }
}
