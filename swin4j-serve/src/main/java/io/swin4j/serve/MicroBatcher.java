package io.swin4j.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Dynamic micro-batching: inputs submitted concurrently are gathered into one call of the runner, up to
 * {@code maxBatch} inputs or until {@code maxWait} has passed since the first of them arrived, whichever comes
 * first. One worker thread runs the batches, so the model sees one forward pass at a time (the compute pools
 * already use every core). The queue is bounded: when it is full, {@link #submitAll} refuses instead of letting
 * memory grow. Inputs whose future is already done (the caller timed out and cancelled it) are skipped.
 *
 * @param <I> one input (a preprocessed image)
 * @param <O> its output
 */
public final class MicroBatcher<I, O> implements AutoCloseable {

    /** The queue cannot take the inputs now; the caller should answer "try again later". */
    public static final class QueueFullException extends RuntimeException {
        QueueFullException(int wanted, int free, int capacity) {
            super("the inference queue is full (" + wanted + " image(s) asked for, " + free + " of " + capacity
                    + " places free)");
        }
    }

    private record Job<I, O>(I input, CompletableFuture<O> result) {}

    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Function<List<I>, List<O>> runner;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final int capacity;
    private final BlockingQueue<Job<I, O>> queue;
    private final Object submitLock = new Object();
    private final Thread worker;
    /** Inputs accepted and not yet handed to the runner: queued, or held by the worker while it gathers a batch. */
    private final AtomicInteger waiting = new AtomicInteger();
    /** When the worker last showed progress: a batch finished, or work arrived while it was idle (System.nanoTime). */
    private volatile long progressNanos = System.nanoTime();
    /** A batch is in the runner now. */
    private volatile boolean running;
    private volatile boolean closing;
    /** Set when the owner is draining: a gathered batch runs at once instead of waiting for company. */
    private volatile boolean flushing;

    /** @param runner runs one batch, returning one output per input in order */
    public MicroBatcher(Function<List<I>, List<O>> runner, int maxBatch, long maxWaitMillis, int capacity) {
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        if (maxWaitMillis < 0) throw new IllegalArgumentException("max wait must be >= 0 ms, got " + maxWaitMillis);
        if (capacity < 1) throw new IllegalArgumentException("queue capacity must be >= 1, got " + capacity);
        this.runner = runner;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.worker = new Thread(this::work, "swin4j-batcher");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /**
     * Queues all inputs or none (a request's images are answered together).
     *
     * @throws QueueFullException    when the queue has no room for all of them
     * @throws IllegalStateException when the batcher is shutting down
     */
    public List<CompletableFuture<O>> submitAll(List<I> inputs) {
        synchronized (submitLock) {
            if (closing) throw new IllegalStateException("the service is shutting down");
            int free = queue.remainingCapacity();
            if (free < inputs.size()) throw new QueueFullException(inputs.size(), free, capacity);
            List<CompletableFuture<O>> futures = new ArrayList<>(inputs.size());
            for (I input : inputs) {
                Job<I, O> job = new Job<>(input, new CompletableFuture<>());
                queue.add(job); // cannot fail: only this lock adds, and the worker only removes
                futures.add(job.result());
            }
            if (waiting.getAndAdd(inputs.size()) == 0 && !running) progressNanos = System.nanoTime();
            return futures;
        }
    }

    /** Inputs waiting for a batch: queued, or gathered into the next batch while it waits for company. */
    public int queueDepth() {
        return waiting.get();
    }

    /**
     * How long the batcher has had work (inputs waiting or a batch running) without finishing a batch, in
     * nanoseconds at {@code nowNanos}; 0 when it has no work. A runner that hangs, or a worker that died, makes this
     * grow without bound: the owner's readiness check.
     */
    public long stalledNanos(long nowNanos) {
        if (waiting.get() == 0 && !running) return 0;
        return Math.max(0, nowNanos - progressNanos);
    }

    /** Inputs still in the queue itself, not yet taken by the worker (for tests). */
    int queued() {
        return queue.size();
    }

    /**
     * From now on a batch runs as soon as the queue has nothing more for it, without waiting up to max-wait for
     * company: called when the owner starts draining, so that requests in flight finish promptly.
     */
    public void flush() {
        flushing = true;
    }

    private void work() {
        while (true) {
            Job<I, O> first;
            try {
                first = queue.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = queue.poll();
            }
            if (first == null) {
                if (closing) return;
                continue;
            }
            List<Job<I, O>> batch = new ArrayList<>();
            batch.add(first);
            long deadline = System.nanoTime() + maxWaitNanos;
            while (batch.size() < maxBatch) {
                long left = deadline - System.nanoTime();
                // No more waiting for company once max-wait has passed or a flush or close has begun; until then
                // wait in slices, so that a flush or close started meanwhile is seen within one slice.
                boolean waitOver = left <= 0 || flushing || closing;
                Job<I, O> next;
                try {
                    next = waitOver ? queue.poll() : queue.poll(Math.min(left, SLICE_NANOS), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    next = queue.poll();
                }
                if (next != null) {
                    batch.add(next);
                } else if (waitOver) {
                    break;
                }
            }
            waiting.addAndGet(-batch.size());
            batch.removeIf(job -> job.result().isDone());
            if (!batch.isEmpty()) run(batch);
        }
    }

    private void run(List<Job<I, O>> batch) {
        try {
            List<I> inputs = new ArrayList<>(batch.size());
            for (Job<I, O> job : batch) inputs.add(job.input());
            running = true;
            List<O> outputs = runner.apply(inputs);
            if (outputs.size() != batch.size()) {
                throw new IllegalStateException("the runner answered " + outputs.size() + " of " + batch.size() + " inputs");
            }
            for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(outputs.get(i));
        } catch (Throwable t) {
            // The worker must outlive any batch: the batch's callers get the error, the next batch runs.
            for (Job<I, O> job : batch) job.result().completeExceptionally(t);
        } finally {
            running = false;
            progressNanos = System.nanoTime();
        }
    }

    /** Refuses new inputs, runs every input already queued, then stops the worker (waits up to the timeout). */
    public boolean close(long timeoutMillis) {
        synchronized (submitLock) {
            closing = true;
        }
        try {
            worker.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !worker.isAlive();
    }

    @Override
    public void close() {
        close(60_000);
    }
}
