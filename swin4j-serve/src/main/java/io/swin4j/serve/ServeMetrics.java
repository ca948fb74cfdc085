package io.swin4j.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;

/** The service's Prometheus metrics, in their own registry (an embedding application's default one is left alone). */
final class ServeMetrics {

    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram latency;
    private final Histogram batchSize;
    private final Histogram forwardSeconds;
    private final Counter images;
    private final Counter closed;
    private final RateMeter imageRate = new RateMeter(10);
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    ServeMetrics(IntSupplier queueDepth, int maxBatch) {
        requests = Counter.builder().name("swin4j_http_requests")
                .help("HTTP requests by route and status").labelNames("route", "status").register(registry);
        latency = Histogram.builder().name("swin4j_http_request_duration_seconds")
                .help("HTTP request latency, receipt to response").labelNames("route").classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30).register(registry);
        double[] bounds = powersOfTwoUpTo(maxBatch);
        batchSize = Histogram.builder().name("swin4j_batch_size")
                .help("Images per forward pass (micro-batching)").classicOnly().classicUpperBounds(bounds).register(registry);
        forwardSeconds = Histogram.builder().name("swin4j_forward_duration_seconds")
                .help("Time of one batched forward pass").classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
        images = Counter.builder().name("swin4j_images")
                .help("Images answered, by outcome (ok, or error: undecodable, timed out, failed)")
                .labelNames("outcome").register(registry);
        closed = Counter.builder().name("swin4j_connections_closed")
                .help("Connections the service closed on a client, by reason (over_cap, header_timeout, request_timeout)")
                .labelNames("reason").register(registry);
        GaugeWithCallback.builder().name("swin4j_queue_depth").help("Images waiting for a batch")
                .callback(cb -> cb.call(queueDepth.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("swin4j_images_per_second")
                .help("Images answered per second over the last 10 s").callback(cb -> cb.call(imageRate.perSecond()))
                .register(registry);
    }

    private static double[] powersOfTwoUpTo(int max) {
        int n = 1;
        while ((1 << (n - 1)) < max) n++;
        double[] b = new double[n];
        for (int i = 0; i < n; i++) b[i] = 1 << i;
        return b;
    }

    void request(String route, int status, long nanos) {
        requests.labelValues(route, Integer.toString(status)).inc();
        latency.labelValues(route).observe(nanos / 1e9);
    }

    void batch(int size, long nanos) {
        batchSize.observe(size);
        forwardSeconds.observe(nanos / 1e9);
    }

    /** Exports the number of open connections. */
    void watchConnections(IntSupplier open) {
        GaugeWithCallback.builder().name("swin4j_open_connections").help("Open client connections")
                .callback(cb -> cb.call(open.getAsInt())).register(registry);
    }

    void connectionClosed(String reason) {
        closed.labelValues(reason).inc();
    }

    void images(String outcome, int count) {
        if (count <= 0) return;
        images.labelValues(outcome).inc(count);
        if (outcome.equals("ok")) imageRate.add(count);
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    /** Events per second over the last {@code seconds} whole seconds, from one counter per second of a ring. */
    static final class RateMeter {
        private final int seconds;
        private final AtomicLongArray counts;
        private final AtomicLongArray stamps;

        RateMeter(int seconds) {
            this.seconds = seconds;
            this.counts = new AtomicLongArray(seconds + 1);
            this.stamps = new AtomicLongArray(seconds + 1);
        }

        void add(long n) {
            add(n, System.currentTimeMillis() / 1000);
        }

        synchronized void add(long n, long second) {
            int slot = (int) (second % counts.length());
            if (stamps.get(slot) != second) {
                stamps.set(slot, second);
                counts.set(slot, 0);
            }
            counts.addAndGet(slot, n);
        }

        double perSecond() {
            return perSecond(System.currentTimeMillis() / 1000);
        }

        /** The current second is still filling, so the last {@code seconds} complete ones are counted. */
        synchronized double perSecond(long now) {
            long sum = 0;
            for (long s = now - seconds; s < now; s++) {
                int slot = (int) (s % counts.length());
                if (stamps.get(slot) == s) sum += counts.get(slot);
            }
            return sum / (double) seconds;
        }
    }
}
