package io.swin4j.serve;

/**
 * Settings of {@link SwinServer}; {@link #defaults()} then {@code opt*} to change one. Every limit is a flag of
 * {@code swin serve}.
 *
 * @param host                 address to bind; 127.0.0.1 unless the service must be reachable from other machines
 * @param port                 0 picks a free port
 * @param maxBatch             most images in one forward pass
 * @param maxWaitMillis        longest an image waits for others to join its batch
 * @param queueCapacity        images waiting for a batch before the service answers 503
 * @param timeoutMillis        longest a request waits for its answers before 504
 * @param maxBodyBytes         request bodies above this get 413 (checked on Content-Length and while reading)
 * @param maxImageBytes        one image (a raw body or a multipart part) above this gets 413, checked while parsing
 * @param maxImages            images in one multipart request
 * @param maxPixels            decoded pixel limit per image (decompression bombs)
 * @param threads              request workers: decode, preprocess and wait for the batch (not held while a body
 *                             uploads)
 * @param workQueue            complete requests waiting for a worker before the service answers 503
 * @param maxDecodes           images decoded at once (each can take hundreds of MB); a request that cannot get a
 *                             slot within the timeout gets 503
 * @param maxConnections       open connections; one more gets 503 and is closed at once
 * @param headerTimeoutMillis  from a connection's opening (or its previous response) to the end of the request's
 *                             headers; then 408 (or a plain close if nothing was sent) and close
 * @param bodyTimeoutMillis    from the end of the headers to the end of the body; then 408 and close
 * @param requestTimeoutMillis from the end of the headers to the last byte of the response; then 408/504 if nothing
 *                             was answered yet, else the connection is closed
 * @param readyStallSeconds    /readyz turns 503 when images are queued and no batch has finished for this long
 * @param drainSeconds         on shutdown, how long in-flight requests may take to finish
 */
public record ServeOptions(String host, int port, int maxBatch, long maxWaitMillis, int queueCapacity,
                           long timeoutMillis, long maxBodyBytes, long maxImageBytes, int maxImages, long maxPixels,
                           int threads, int workQueue, int maxDecodes, int maxConnections, long headerTimeoutMillis,
                           long bodyTimeoutMillis, long requestTimeoutMillis, int readyStallSeconds,
                           int drainSeconds) {

    public ServeOptions {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0-65535, got " + port);
        positive(maxBatch, "max batch");
        if (maxWaitMillis < 0) throw new IllegalArgumentException("max wait must be >= 0 ms, got " + maxWaitMillis);
        positive(queueCapacity, "queue size");
        positive(timeoutMillis, "timeout (ms)");
        positive(maxBodyBytes, "max body (bytes)");
        positive(maxImageBytes, "max image (bytes)");
        positive(maxImages, "max images");
        positive(maxPixels, "max pixels");
        positive(threads, "threads");
        positive(workQueue, "work queue");
        positive(maxDecodes, "max decodes");
        positive(maxConnections, "max connections");
        positive(headerTimeoutMillis, "header timeout (ms)");
        positive(bodyTimeoutMillis, "body timeout (ms)");
        positive(requestTimeoutMillis, "request timeout (ms)");
        positive(readyStallSeconds, "ready stall (s)");
        if (drainSeconds < 0) throw new IllegalArgumentException("drain must be >= 0 s, got " + drainSeconds);
    }

    private static void positive(long v, String what) {
        if (v < 1) throw new IllegalArgumentException(what + " must be >= 1, got " + v);
    }

    public static ServeOptions defaults() {
        // 40 M pixels (below Pillow's 89 M); at most maxDecodes images decode at once, whatever the worker count.
        return new ServeOptions("127.0.0.1", 8080, 16, 5, 256, 30_000, 20L << 20, 16L << 20, 32, 40_000_000L,
                16, 64, 4, 512, 10_000, 30_000, 120_000, 60, 30);
    }

    public ServeOptions optHost(String v) { return new ServeOptions(v, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optPort(int v) { return new ServeOptions(host, v, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optMaxBatch(int v) { return new ServeOptions(host, port, v, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optMaxWaitMillis(long v) { return new ServeOptions(host, port, maxBatch, v, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optQueueCapacity(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, v, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optTimeoutMillis(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, v, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optMaxBodyBytes(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, v, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optMaxImageBytes(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, v, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optMaxImages(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, v, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optMaxPixels(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, v, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optThreads(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, v, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optWorkQueue(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, v, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optMaxDecodes(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, v, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optMaxConnections(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, v, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optHeaderTimeoutMillis(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, v, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optBodyTimeoutMillis(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, v, requestTimeoutMillis, readyStallSeconds, drainSeconds); }
    public ServeOptions optRequestTimeoutMillis(long v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, v, readyStallSeconds, drainSeconds); }
    public ServeOptions optReadyStallSeconds(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, v, drainSeconds); }
    public ServeOptions optDrainSeconds(int v) { return new ServeOptions(host, port, maxBatch, maxWaitMillis, queueCapacity, timeoutMillis, maxBodyBytes, maxImageBytes, maxImages, maxPixels, threads, workQueue, maxDecodes, maxConnections, headerTimeoutMillis, bodyTimeoutMillis, requestTimeoutMillis, readyStallSeconds, v); }

    /** The limits a client may want to know ({@code /v1/model}'s {@code serving} object), written into {@code serving}. */
    void describe(com.fasterxml.jackson.databind.node.ObjectNode serving) {
        serving.put("maxBatch", maxBatch).put("maxWaitMs", maxWaitMillis).put("queueCapacity", queueCapacity)
                .put("timeoutMs", timeoutMillis).put("maxBodyBytes", maxBodyBytes).put("maxImageBytes", maxImageBytes)
                .put("maxImages", maxImages);
    }
}
