package io.swin4j.serve;

/**
 * Settings of {@link SwinServer}; {@link #defaults()} then {@code opt*} to change one.
 *
 * @param host             address to bind; 127.0.0.1 unless the service must be reachable from other machines
 * @param port             0 picks a free port
 * @param maxBatch         most images in one forward pass
 * @param maxWaitMillis    longest an image waits for others to join its batch
 * @param queueCapacity    images waiting for a batch before the service answers 503
 * @param timeoutMillis    longest a request waits for its answers before 504
 * @param maxBodyBytes     request bodies above this get 413
 * @param maxImages        images in one multipart request
 * @param maxPixels        decoded pixel limit per image (decompression bombs)
 * @param threads          HTTP worker threads (decode and preprocessing run on them, in parallel)
 * @param drainSeconds     on shutdown, how long in-flight requests may take to finish
 */
public record ServeOptions(String host, int port, int maxBatch, long maxWaitMillis, int queueCapacity,
                           long timeoutMillis, long maxBodyBytes, int maxImages, long maxPixels, int threads,
                           int drainSeconds) {

    public ServeOptions {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0-65535, got " + port);
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        if (maxWaitMillis < 0) throw new IllegalArgumentException("max wait must be >= 0 ms, got " + maxWaitMillis);
        if (queueCapacity < 1) throw new IllegalArgumentException("queue size must be >= 1, got " + queueCapacity);
        if (timeoutMillis < 1) throw new IllegalArgumentException("timeout must be >= 1 ms, got " + timeoutMillis);
        if (maxBodyBytes < 1) throw new IllegalArgumentException("max body must be >= 1 byte, got " + maxBodyBytes);
        if (maxImages < 1) throw new IllegalArgumentException("max images must be >= 1, got " + maxImages);
        if (maxPixels < 1) throw new IllegalArgumentException("max pixels must be >= 1, got " + maxPixels);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (drainSeconds < 0) throw new IllegalArgumentException("drain must be >= 0 s, got " + drainSeconds);
    }

    public static ServeOptions defaults() {
        // 40 M pixels (below Pillow's 89 M): 16 workers decoding at once stay under 2 GB of pixels.
        return new ServeOptions("127.0.0.1", 8080, 16, 5, 256, 30_000, 20L << 20, 32, 40_000_000L, 16, 30);
    }

    public ServeOptions optHost(String v) { return new ServeOptions(v, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImages, maxPixels, threads, drainSeconds); }
    public ServeOptions optPort(int v) { return new ServeOptions(host, v, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImages, maxPixels, threads, drainSeconds); }
    public ServeOptions optMaxBatch(int v) { return new ServeOptions(host, port, v, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImages, maxPixels, threads, drainSeconds); }
    public ServeOptions optMaxWaitMillis(long v) { return new ServeOptions(host, port, maxBatch, v, queueCapacity, timeoutMillis, maxBodyBytes, maxImages, maxPixels, threads, drainSeconds); }
    public ServeOptions optQueueCapacity(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, v, timeoutMillis, maxBodyBytes, maxImages, maxPixels, threads, drainSeconds); }
    public ServeOptions optTimeoutMillis(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, v, maxBodyBytes, maxImages, maxPixels, threads, drainSeconds); }
    public ServeOptions optMaxBodyBytes(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, v, maxImages, maxPixels, threads, drainSeconds); }
    public ServeOptions optMaxImages(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, v, maxPixels, threads, drainSeconds); }
    public ServeOptions optMaxPixels(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImages, v, threads, drainSeconds); }
    public ServeOptions optThreads(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImages, maxPixels, v, drainSeconds); }
    public ServeOptions optDrainSeconds(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImages, maxPixels, threads, v); }
}
