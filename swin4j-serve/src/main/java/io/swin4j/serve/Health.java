package io.swin4j.serve;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

import static io.swin4j.serve.Responses.JSON;
import static io.swin4j.serve.Responses.json;

/**
 * The service's health: {@code /healthz} and {@code /readyz}. Ready unless draining, stalled (the batcher has work
 * and finished no batch for {@link ServeOptions#readyStallSeconds()}) or failed for good (an {@link Error} was
 * thrown somewhere in the service).
 */
final class Health {

    /** The server's logger: a failure is the service's news, under the service's name. */
    private static final Logger LOG = Logger.getLogger(SwinServer.class.getName());

    private final MicroBatcher<?, ?> batcher;
    private final int readyStallSeconds;
    /** Why the service is broken for good (an Error was thrown somewhere in it), or null. */
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean draining;

    Health(MicroBatcher<?, ?> batcher, int readyStallSeconds) {
        this.batcher = batcher;
        this.readyStallSeconds = readyStallSeconds;
    }

    /** From now on /readyz answers 503 "draining" and new inference requests are refused. */
    void drain() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    /**
     * Records that an {@link Error} was thrown (OutOfMemoryError, StackOverflowError, ...): the process's state is
     * unknown from now on, so /readyz and /healthz answer 503 for good and the orchestrator should replace it.
     */
    void broken(String where, Throwable e) {
        String why = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + " in " + where;
        if (failure.compareAndSet(null, why)) {
            LOG.log(Level.SEVERE, "swin serve: " + why + "; the service's state is unknown, /readyz and /healthz now "
                    + "answer 503: restart the process", e);
        }
    }

    int healthz(Exchange ex) {
        String why = failure.get();
        if (why != null) return json(ex, 503, JSON.createObjectNode().put("status", "failed").put("reason", why));
        return json(ex, 200, JSON.createObjectNode().put("status", "ok"));
    }

    int readyz(Exchange ex) {
        String why = failure.get();
        if (why != null) return json(ex, 503, JSON.createObjectNode().put("status", "failed").put("reason", why));
        if (draining) return json(ex, 503, JSON.createObjectNode().put("status", "draining"));
        long stalled = batcher.stalledNanos(System.nanoTime());
        if (stalled > TimeUnit.SECONDS.toNanos(readyStallSeconds)) {
            return json(ex, 503, JSON.createObjectNode().put("status", "stalled").put("reason", batcher.queueDepth()
                    + " image(s) queued and no batch finished for " + TimeUnit.NANOSECONDS.toSeconds(stalled)
                    + " s (--ready-stall-seconds " + readyStallSeconds + ")"));
        }
        return json(ex, 200, JSON.createObjectNode().put("status", "ready"));
    }
}
