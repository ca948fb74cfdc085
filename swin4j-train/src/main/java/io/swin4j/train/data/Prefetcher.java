package io.swin4j.train.data;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Builds numbered batches on daemon worker threads ahead of the consumer, in order: what every loader of the
 * training code shares. A batch's content must depend only on its number (the loaders seed per sample), so that
 * thread scheduling changes nothing.
 */
public final class Prefetcher implements AutoCloseable {

    private final ExecutorService workers;
    private final int ahead;

    /** @param workers threads (≥ 1); twice as many batches are prepared ahead */
    public Prefetcher(int workers) {
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        this.ahead = 2 * workers;
        this.workers = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "swin4j-data");
            t.setDaemon(true);
            return t;
        });
    }

    /** Batches {@code first} to {@code total − 1}, each from {@code build}, prepared ahead. */
    public <B> Iterator<B> batches(int first, int total, IntFunction<B> build) {
        return new Iterator<>() {
            private final ArrayDeque<Future<B>> pending = new ArrayDeque<>();
            private int next = first, submitted = first;

            { fill(); }

            private void fill() {
                while (submitted < total && pending.size() < ahead) {
                    int b = submitted++;
                    pending.add(workers.submit(() -> build.apply(b)));
                }
            }

            @Override public boolean hasNext() { return next < total; }

            @Override
            public B next() {
                if (!hasNext()) throw new NoSuchElementException();
                try {
                    B b = pending.poll().get();
                    next++;
                    fill();
                    return b;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for batch " + next, e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("preparing batch " + next + " failed: " + e.getCause(), e.getCause());
                }
            }
        };
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
