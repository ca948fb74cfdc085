package io.swin4j.serve;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** What a test's batch runner blocks on until the test opens it, so the test knows the batcher's worker is busy. */
final class Gate {

    private final CountDownLatch open = new CountDownLatch(1);

    /** Blocks the calling runner until {@link #open()}, at most {@code seconds}; an interrupt ends the wait too. */
    void pass(long seconds) {
        try {
            open.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void open() {
        open.countDown();
    }
}
