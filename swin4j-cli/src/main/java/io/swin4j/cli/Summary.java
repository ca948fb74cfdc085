package io.swin4j.cli;

import java.io.PrintWriter;

/** The closing line of a batch command and its exit status. */
final class Summary {
    private Summary() {}

    /** Prints "N ok, M failed" and returns 0 if none failed, else 1. */
    static int report(PrintWriter err, int total, int failed) {
        err.println((total - failed) + " ok, " + failed + " failed");
        err.flush();
        return failed == 0 ? 0 : 1;
    }
}
