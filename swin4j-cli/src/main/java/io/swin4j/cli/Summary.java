package io.swin4j.cli;

import java.io.PrintWriter;

/** The closing line of a batch command and its exit status. */
final class Summary {
    private Summary() {}

    /**
     * Prints "N ok, M failed in S s (R img/s)", timed from {@code startNanos} (after the model is loaded), and
     * returns 0 if none failed, else 1.
     */
    static int report(PrintWriter err, int total, int failed, long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        err.println(String.format(java.util.Locale.ROOT, "%d ok, %d failed in %.1f s (%.1f img/s)",
                total - failed, failed, seconds, total / seconds));
        err.flush();
        return failed == 0 ? 0 : 1;
    }
}
