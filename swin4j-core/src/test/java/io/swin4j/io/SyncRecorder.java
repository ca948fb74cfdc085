package io.swin4j.io;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Records each path {@link AtomicFiles} forces to the device, with what the caller's probe sees at that moment
 * (e.g. whether the final name exists yet), so a test can check that content is durable before its rename and the
 * directory after it. Install with try-with-resources: closing it removes the seam. Not for concurrent tests.
 */
public final class SyncRecorder implements AutoCloseable {

    private final List<String> events = new CopyOnWriteArrayList<>();

    public SyncRecorder(Function<Path, String> probe) {
        AtomicFiles.syncObserver = p -> events.add(probe.apply(p));
    }

    public List<String> events() {
        return List.copyOf(events);
    }

    @Override
    public void close() {
        AtomicFiles.syncObserver = p -> {};
    }
}
