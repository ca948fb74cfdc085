package io.swin4j.hub;

import java.nio.file.Path;

/** Progress of a download (the CLI draws a progress bar from it; the library reports nothing by default). */
public interface DownloadListener {

    DownloadListener NONE = new DownloadListener() {};

    /**
     * A transfer starts.
     *
     * @param offset bytes already in the partial file that this transfer continues (0 when it starts afresh)
     * @param total  the size of the whole file, or -1 when the server does not say
     */
    default void started(ModelEntry entry, long offset, long total) {}

    /** {@code bytes} of the whole file are now on disk ({@code total} as in {@link #started}). */
    default void progressed(long bytes, long total) {}

    /** The file is verified and in place. */
    default void finished(ModelEntry entry, Path file) {}
}
