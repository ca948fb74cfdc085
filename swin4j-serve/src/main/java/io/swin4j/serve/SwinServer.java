package io.swin4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.infer.AttentionView;
import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.SwinConfig;
import io.swin4j.vision.ImageDecodeException;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP service over one {@link SwinPredictor}: classify, embed, model info, health, Prometheus metrics and a
 * web page, with concurrent requests' images gathered into shared forward passes by a {@link MicroBatcher}.
 *
 * <p>The HTTP stack is Jetty 12's core API (no servlets), chosen for what a service facing strangers needs and the
 * JDK's {@code com.sun.net.httpserver} lacks: the JDK server reads a request's headers and body on its worker
 * threads, so slow clients hold workers; its only deadlines are JVM-wide system properties that close the
 * connection without an answer; and its executor's queue cannot shed load with a 503, since a rejected connection
 * has no request to answer yet. Jetty parses headers and receives bodies without holding a thread, so here:
 * <ul>
 *   <li>{@link ConnectionGuard} caps open connections (503 past the cap) and gives each request's headers a
 *       deadline (408 or close);</li>
 *   <li>a POST's body is received asynchronously, capped while it arrives (413), under a body deadline (408 and
 *       close); only a complete request is handed to a worker;</li>
 *   <li>workers are a fixed pool with a bounded queue: a full queue answers 503 with Retry-After;</li>
 *   <li>image decodes run at most {@link ServeOptions#maxDecodes()} at a time;</li>
 *   <li>a whole-request deadline closes the connection of a response that has not gone out (a client that does
 *       not read).</li>
 * </ul>
 * GET routes (health, readiness, metrics, model, page) are answered at once on Jetty's threads, so they answer
 * however busy the workers are. {@code /readyz} turns 503 while draining, when the batcher has work and finished no
 * batch for {@link ServeOptions#readyStallSeconds()}, and for good after an {@link Error} (an OutOfMemoryError
 * leaves the process's state unknown: it is logged, and the orchestrator should replace the process).
 *
 * <pre>{@code
 * try (SwinPredictor p = SwinPredictor.builder(weights).build();
 *      SwinServer server = SwinServer.start(p, ServeOptions.defaults().optPort(8080))) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class SwinServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SwinServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEB = "/io/swin4j/serve/web/";
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    /**
     * Jetty's own threads: they parse, route and answer GETs, and never block. Their queue is Jetty's default
     * (Jetty warns against bounding it: its internal jobs must not be rejected); what can reach it is bounded by
     * the connection cap, and the blocking work goes to the bounded worker pool.
     */
    private static final int JETTY_THREADS = 16;

    /** One image's answer from a batch. */
    private record Answer(float[] probabilities, float[] embedding) {}

    /** An image of a request: its name, and either its preprocessed input or why it has none. */
    private record Entry(String name, float[] input, String error) {}

    @FunctionalInterface
    private interface Handler {
        /** Sends the response and returns its status. */
        int handle(Exchange ex) throws IOException;
    }

    /** A route; {@code work} routes read a body and run on a worker, the others answer on Jetty's thread. */
    private record Route(String label, Set<String> methods, boolean work, Handler handler) {}

    private final SwinPredictor predictor;
    private final ServeOptions options;
    private final Function<List<float[]>, SwinPredictor.BatchOutput> forward;
    private final ImageDecoder decoder;
    private final MicroBatcher<float[], Answer> batcher;
    private final ServeMetrics metrics;
    private final Server http;
    private final ServerConnector connector;
    private final ConnectionGuard guard;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timer;
    private final Semaphore decodes;
    private final Map<String, Route> routes = new HashMap<>();
    private final Map<String, byte[]> staticFiles = new HashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Attention views run one at a time beside the batcher's forward passes (they are for people, not traffic). */
    private final Semaphore attentionPermit = new Semaphore(1);
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    /** Why the service is broken for good (an Error was thrown somewhere in it), or null. */
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean draining;

    private SwinServer(SwinPredictor predictor, ServeOptions options,
                       Function<List<float[]>, SwinPredictor.BatchOutput> forward) {
        this.predictor = predictor;
        this.options = options;
        this.forward = forward;
        this.decoder = new ImageDecoder(options.maxPixels());
        this.batcher = new MicroBatcher<>(this::runBatch, options.maxBatch(), options.maxWaitMillis(),
                options.queueCapacity());
        this.metrics = new ServeMetrics(batcher::queueDepth, options.maxBatch());
        this.decodes = new Semaphore(options.maxDecodes());
        for (Map.Entry<String, String> e : STATIC.entrySet()) {
            staticFiles.put(e.getKey(), resource(e.getValue()));
            route(e.getKey(), "page", Set.of("GET", "HEAD"), false, this::page);
        }
        route("/v1/classify", "classify", Set.of("POST"), true, this::classify);
        route("/v1/embed", "embed", Set.of("POST"), true, this::embed);
        route("/v1/attention", "attention", Set.of("POST"), true, this::attention);
        route("/v1/model", "model", Set.of("GET"), false, this::model);
        route("/healthz", "healthz", Set.of("GET"), false, this::healthz);
        route("/readyz", "readyz", Set.of("GET"), false, this::readyz);
        route("/metrics", "metrics", Set.of("GET"), false, this::metricsPage);

        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(options.threads(), options.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(options.workQueue()), r -> {
                    Thread t = new Thread(r, "swin4j-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "swin4j-deadlines");
            t.setDaemon(true);
            return t;
        });
        stpe.setRemoveOnCancelPolicy(true);
        this.timer = stpe;

        QueuedThreadPool pool = new QueuedThreadPool(JETTY_THREADS, 4);
        pool.setName("swin4j-http");
        pool.setDaemon(true);
        this.http = new Server(pool);
        http.setStopTimeout(0);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        this.connector = new ServerConnector(http, 1, 1, new HttpConnectionFactory(config));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setAcceptQueueSize(128);
        // Jetty's idle timeout is a backstop; the deadlines below are what clients meet first.
        connector.setIdleTimeout(Math.max(options.requestTimeoutMillis(), options.headerTimeoutMillis()) + 1000);
        this.guard = new ConnectionGuard(options.maxConnections(), options.headerTimeoutMillis(), timer,
                metrics::connectionClosed);
        metrics.watchConnections(guard::open);
        connector.addEventListener(guard);
        http.addConnector(connector);
        http.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                return dispatch(request, response, callback);
            }
        });
    }

    /** Binds and starts serving. The predictor stays the caller's: close it after the server. */
    public static SwinServer start(SwinPredictor predictor, ServeOptions options) throws IOException {
        return start(predictor, options, predictor::forward);
    }

    /** As {@link #start(SwinPredictor, ServeOptions)}, with the batches run by {@code forward} (tests inject one). */
    static SwinServer start(SwinPredictor predictor, ServeOptions options,
                            Function<List<float[]>, SwinPredictor.BatchOutput> forward) throws IOException {
        SwinServer server = new SwinServer(predictor, options, forward);
        try {
            server.http.start();
        } catch (Exception e) {
            server.abandon();
            if (e instanceof IOException io) throw io;
            throw new IOException("cannot start the HTTP server on " + options.host() + ":" + options.port() + ": " + e, e);
        }
        return server;
    }

    /** The bound port (the chosen one when the options asked for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    public URI uri() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + host + ":" + port() + "/");
    }

    public ServeOptions options() {
        return options;
    }

    /** Complete requests waiting for a worker (for tests). */
    int queuedRequests() {
        return workers.getQueue().size();
    }

    /** Connections open now (for tests). */
    int openConnections() {
        return guard.open();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    private void route(String path, String label, Set<String> methods, boolean work, Handler handler) {
        routes.put(path, new Route(label, methods, work, handler));
    }

    private static byte[] resource(String name) {
        try (InputStream in = SwinServer.class.getResourceAsStream(WEB + name)) {
            if (in == null) throw new IllegalStateException("missing web resource " + WEB + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read web resource " + WEB + name, e);
        }
    }

    // ---- dispatch ------------------------------------------------------------------------------------------

    /** On a Jetty thread, once a request's headers are in: never blocks. */
    private boolean dispatch(Request request, Response response, Callback callback) {
        org.eclipse.jetty.io.Connection connection = request.getConnectionMetaData().getConnection();
        if (!guard.requestBegins(connection)) {
            callback.failed(new IllegalStateException("connection over the cap"));
            return true;
        }
        Exchange ex = new Exchange(request, response, callback);
        inFlight.incrementAndGet();
        ScheduledFuture<?> deadline = timer.schedule(() -> requestDeadline(ex), options.requestTimeoutMillis(),
                TimeUnit.MILLISECONDS);
        ex.onDone(() -> {
            deadline.cancel(false);
            metrics.request(ex.label, ex.status, System.nanoTime() - ex.startNanos());
            inFlight.decrementAndGet();
            guard.requestEnds(connection);
        });
        try {
            Route route = route(ex);
            if (!route.work()) {
                run(ex, route);
            } else {
                readBody(ex, () -> submit(ex, route));
            }
        } catch (Throwable t) {
            fail(ex, t);
        }
        return true;
    }

    private Route route(Exchange ex) {
        String path = ex.path();
        Route route = routes.get(path);
        if (route == null) {
            throw new HttpError(404, "not_found", "no route " + path
                    + " (routes: POST /v1/classify, POST /v1/embed, POST /v1/attention, GET /v1/model, GET /healthz,"
                    + " GET /readyz, GET /metrics, GET /)");
        }
        ex.label = route.label();
        if (!route.methods().contains(ex.method())) {
            ex.setHeader("Allow", String.join(", ", new java.util.TreeSet<>(route.methods())));
            throw new HttpError(405, "method_not_allowed", ex.method() + " " + path + " is not supported; use "
                    + String.join(" or ", new java.util.TreeSet<>(route.methods())));
        }
        if (draining && ex.method().equals("POST")) {
            throw new HttpError(503, "shutting_down", "the service is shutting down");
        }
        return route;
    }

    /** A complete request to the workers, or 503 when their queue is full. */
    private void submit(Exchange ex, Route route) {
        try {
            workers.execute(() -> run(ex, route));
        } catch (RejectedExecutionException e) {
            fail(ex, new RetryLater("all " + options.threads() + " workers are busy and " + options.workQueue()
                    + " requests wait for one (--http-threads, --work-queue)"));
        }
    }

    private void run(Exchange ex, Route route) {
        if (ex.responded()) return; // a deadline answered first
        try {
            route.handler().handle(ex);
        } catch (Throwable t) {
            fail(ex, t);
        }
    }

    /** The error answer of a request; an {@link Error} also marks the service broken. */
    private void fail(Exchange ex, Throwable t) {
        if (t instanceof HttpError e) {
            if (e.status == 503) ex.setHeader("Retry-After", "1");
            json(ex, e.status, error(e.code, e.getMessage()), e.status == 408 || e.status == 413);
            return;
        }
        if (t instanceof Error e) broken(ex.target(), e);
        else LOG.log(Level.WARNING, "request " + ex.target() + " failed", t);
        json(ex, 500, error("internal", "internal error: " + t), false);
    }

    /**
     * Records that an {@link Error} was thrown (OutOfMemoryError, StackOverflowError, ...): the process's state is
     * unknown from now on, so /readyz and /healthz answer 503 for good and the orchestrator should replace it.
     */
    private void broken(String where, Throwable e) {
        String why = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + " in " + where;
        if (failure.compareAndSet(null, why)) {
            LOG.log(Level.SEVERE, "swin serve: " + why + "; the service's state is unknown, /readyz and /healthz now "
                    + "answer 503: restart the process", e);
        }
    }

    /** The whole-request deadline: an answer, or a close for an answer that has not gone out. */
    private void requestDeadline(Exchange ex) {
        String message = "request not complete within " + options.requestTimeoutMillis() + " ms (--request-timeout-ms)";
        if (!ex.responded()) {
            fail(ex, ex.bodyComplete ? new HttpError(504, "timeout", message) : new HttpError(408, "request_timeout", message));
        } else {
            LOG.fine(() -> ex.target() + ": " + message + "; closing the connection");
            metrics.connectionClosed("request_timeout");
            ex.abort();
        }
    }

    private static ObjectNode error(String code, String message) {
        return JSON.createObjectNode().put("error", code).put("message", message);
    }

    private static int json(Exchange ex, int status, Object body) {
        return json(ex, status, body, false);
    }

    private static int json(Exchange ex, int status, Object body, boolean close) {
        try {
            return send(ex, status, "application/json", JSON.writeValueAsBytes(body), close);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static int send(Exchange ex, int status, String contentType, byte[] body) {
        return send(ex, status, contentType, body, false);
    }

    private static int send(Exchange ex, int status, String contentType, byte[] body, boolean close) {
        ex.respond(status, contentType, body, close);
        return status;
    }

    // ---- request bodies -------------------------------------------------------------------------------------

    /**
     * Past the body limit, up to this much in all is read and dropped before the 413 goes out: a server that
     * answers and closes while the client is still sending resets the connection, and the client never sees the
     * answer. A larger declared body is refused on its headers, and the connection closed.
     */
    private static final long DRAIN_LIMIT = 64L << 20;

    /**
     * Receives the body without holding a thread: Jetty calls back as bytes arrive. A body over the limit, or a
     * raw image over the image limit, is never buffered past the limit: its refusal (413) is known from the
     * declared length or as soon as the limit is passed, and the rest is dropped (up to {@link #DRAIN_LIMIT}) so
     * that the client can read the answer. The body deadline answers 408 and closes the connection. Then runs
     * {@code then} with {@link Exchange#body} set.
     */
    private void readBody(Exchange ex, Runnable then) {
        long limit = options.maxBodyBytes();
        long declared = ex.request().getLength();
        HttpError refused = null;
        if (declared > limit) refused = tooLarge(Long.toString(declared));
        else if (!Multipart.isMultipart(ex.header("Content-Type")) && declared > options.maxImageBytes()) {
            refused = imageTooLarge(Long.toString(declared));
        }
        if (refused != null && declared > DRAIN_LIMIT) throw refused;
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            if (!ex.bodyComplete) {
                fail(ex, new HttpError(408, "request_timeout", "request body not received within "
                        + options.bodyTimeoutMillis() + " ms (--body-timeout-ms)"));
            }
        }, options.bodyTimeoutMillis(), TimeUnit.MILLISECONDS);
        HttpError firstRefusal = refused;
        new Runnable() {
            ByteArrayOutputStream out = firstRefusal == null
                    ? new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192) : null;
            HttpError refusal = firstRefusal;
            long received;

            @Override
            public void run() {
                try {
                    while (!ex.responded()) {
                        Content.Chunk chunk = ex.request().read();
                        if (chunk == null) {
                            ex.request().demand(this);
                            return;
                        }
                        if (Content.Chunk.isFailure(chunk)) {
                            deadline.cancel(false);
                            fail(ex, new HttpError(400, "bad_body", "cannot read the request body: " + chunk.getFailure()));
                            return;
                        }
                        ByteBuffer b = chunk.getByteBuffer();
                        received += b.remaining();
                        if (refusal == null && received > limit) {
                            refusal = tooLarge("more than " + limit);
                            out = null; // what came so far is dropped, and so is the rest
                        }
                        if (out != null) {
                            byte[] bytes = new byte[b.remaining()];
                            b.get(bytes);
                            out.write(bytes, 0, bytes.length);
                        }
                        boolean last = chunk.isLast();
                        chunk.release();
                        if (refusal != null && (last || received > DRAIN_LIMIT)) {
                            deadline.cancel(false);
                            fail(ex, refusal);
                            return;
                        }
                        if (last) {
                            deadline.cancel(false);
                            ex.body = out.toByteArray();
                            ex.bodyComplete = true;
                            then.run();
                            return;
                        }
                    }
                } catch (Throwable t) {
                    deadline.cancel(false);
                    fail(ex, t);
                }
            }
        }.run();
    }

    private HttpError tooLarge(String size) {
        return new HttpError(413, "body_too_large", "request body of " + size + " bytes exceeds the limit of "
                + options.maxBodyBytes() + " bytes (--max-body-mb)");
    }

    private HttpError imageTooLarge(String size) {
        return new HttpError(413, "image_too_large", "image of " + size + " bytes exceeds the limit of "
                + options.maxImageBytes() + " bytes (--max-image-mb)");
    }

    /** The request's images: a raw body is one image, a multipart body one per part. */
    private List<Multipart.Part> images(Exchange ex) {
        byte[] body = ex.body;
        String type = ex.header("Content-Type");
        if (!Multipart.isMultipart(type)) {
            if (body.length == 0) throw new HttpError(400, "empty_body", "empty request body: send an image (raw or multipart/form-data)");
            if (body.length > options.maxImageBytes()) throw imageTooLarge(Integer.toString(body.length));
            return List.of(new Multipart.Part(null, "body", type, body));
        }
        // Empty parts (a form's unused fields) do not count against the image limit; the rest are checked.
        List<Multipart.Part> parts = new ArrayList<>(Multipart.parse(body, Multipart.boundary(type),
                new Multipart.Limits(options.maxImageBytes(), Math.max(options.maxImages(), 2 * options.maxImages() + 8))));
        parts.removeIf(p -> p.filename() == null && p.data().length == 0);
        if (parts.isEmpty()) throw new HttpError(400, "no_images", "the multipart body has no parts with content");
        if (parts.size() > options.maxImages()) {
            throw new HttpError(413, "too_many_images", parts.size() + " images in one request exceed the limit of "
                    + options.maxImages() + " (--max-images)");
        }
        return parts;
    }

    // ---- health -----------------------------------------------------------------------------------------------

    private int healthz(Exchange ex) {
        String why = failure.get();
        if (why != null) return json(ex, 503, JSON.createObjectNode().put("status", "failed").put("reason", why));
        return json(ex, 200, JSON.createObjectNode().put("status", "ok"));
    }

    private int readyz(Exchange ex) {
        String why = failure.get();
        if (why != null) return json(ex, 503, JSON.createObjectNode().put("status", "failed").put("reason", why));
        if (draining) return json(ex, 503, JSON.createObjectNode().put("status", "draining"));
        long stalled = batcher.stalledNanos(System.nanoTime());
        if (stalled > TimeUnit.SECONDS.toNanos(options.readyStallSeconds())) {
            return json(ex, 503, JSON.createObjectNode().put("status", "stalled").put("reason", batcher.queueDepth()
                    + " image(s) queued and no batch finished for " + TimeUnit.NANOSECONDS.toSeconds(stalled)
                    + " s (--ready-stall-seconds " + options.readyStallSeconds() + ")"));
        }
        return json(ex, 200, JSON.createObjectNode().put("status", "ready"));
    }

    // ---- inference ------------------------------------------------------------------------------------------

    private List<Entry> prepare(List<Multipart.Part> parts) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            Multipart.Part p = parts.get(i);
            String name = p.label(i);
            try {
                RgbImage img = decode(p.data(), name);
                entries.add(new Entry(name, predictor.preset().apply(img), null));
            } catch (ImageDecodeException e) {
                entries.add(new Entry(name, null, e.getMessage()));
            } catch (RuntimeException e) {
                // Decoded but unusable (a preprocessing failure): this image's entry fails, not the request.
                entries.add(new Entry(name, null, name + ": cannot preprocess the image: " + e.getMessage()));
            }
        }
        return entries;
    }

    /**
     * Decodes one image holding one of the {@link ServeOptions#maxDecodes()} decode slots (a decode can take
     * hundreds of MB); 503 when no slot frees up within the request timeout.
     */
    private RgbImage decode(byte[] data, String name) throws ImageDecodeException {
        try {
            if (!decodes.tryAcquire(options.timeoutMillis(), TimeUnit.MILLISECONDS)) {
                throw new RetryLater("all " + options.maxDecodes() + " decode slots stayed busy for "
                        + options.timeoutMillis() + " ms (--max-decodes)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted", "interrupted while waiting to decode");
        }
        try {
            return decoder.decode(data, name);
        } finally {
            decodes.release();
        }
    }

    /** Runs the valid entries through the batcher; answers are in entry order, null for invalid entries. */
    private List<Answer> infer(Exchange ex, List<Entry> entries) {
        List<float[]> inputs = new ArrayList<>();
        for (Entry e : entries) if (e.input() != null) inputs.add(e.input());
        List<CompletableFuture<Answer>> futures;
        try {
            futures = batcher.submitAll(inputs);
        } catch (MicroBatcher.QueueFullException e) {
            metrics.images("rejected", inputs.size());
            throw new RetryLater(e.getMessage());
        } catch (IllegalStateException e) {
            throw new RetryLater(e.getMessage());
        }
        long deadline = Math.min(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis()),
                ex.startNanos() + TimeUnit.MILLISECONDS.toNanos(options.requestTimeoutMillis()));
        List<Answer> answers = new ArrayList<>();
        int k = 0;
        try {
            for (Entry e : entries) {
                if (e.input() == null) {
                    answers.add(null);
                    continue;
                }
                CompletableFuture<Answer> f = futures.get(k++);
                answers.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            }
            return answers;
        } catch (TimeoutException e) {
            futures.forEach(f -> f.cancel(false)); // the batcher skips what is not yet run
            metrics.images("timeout", inputs.size());
            throw new HttpError(504, "timeout", "no answer within " + options.timeoutMillis() + " ms (--timeout-ms)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            futures.forEach(f -> f.cancel(false));
            throw new HttpError(503, "interrupted", "interrupted while waiting for the model");
        } catch (ExecutionException | CancellationException e) {
            metrics.images("failed", inputs.size());
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof Error err) {
                broken("a forward pass", err);
                throw new HttpError(503, "failed", "inference failed with " + err + "; the service is unhealthy");
            }
            throw new IllegalStateException("inference failed: " + cause, cause);
        }
    }

    /** 503 with Retry-After. */
    private static final class RetryLater extends HttpError {
        RetryLater(String message) {
            super(503, "overloaded", message);
        }
    }

    private List<Answer> runBatch(List<float[]> inputs) {
        long start = System.nanoTime();
        SwinPredictor.BatchOutput out = forward.apply(inputs);
        metrics.batch(inputs.size(), System.nanoTime() - start);
        List<Answer> answers = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            answers.add(new Answer(out.probabilities() == null ? null : out.probabilities()[i], out.embeddings()[i]));
        }
        return answers;
    }

    // ---- routes ---------------------------------------------------------------------------------------------

    private static Map<String, String> query(Exchange ex) {
        Map<String, String> q = new LinkedHashMap<>();
        String raw = ex.rawQuery();
        if (raw == null || raw.isEmpty()) return q;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static int intParam(Map<String, String> q, String name, int fallback, int min, int max) {
        String v = q.get(name);
        if (v == null) return fallback;
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) throw new NumberFormatException();
            return i;
        } catch (NumberFormatException e) {
            throw new HttpError(400, "bad_parameter", name + "=" + v + " is not an integer in [" + min + ", " + max + "]");
        }
    }

    private int classify(Exchange ex) {
        int classes = predictor.config().numClasses();
        if (classes == 0) throw new HttpError(400, "no_classifier", "the model has no classifier head: use /v1/embed");
        int topK = intParam(query(ex), "top_k", Math.min(5, classes), 1, classes);
        boolean raw = !Multipart.isMultipart(ex.header("Content-Type"));
        List<Entry> entries = prepare(images(ex));
        if (raw && entries.get(0).error() != null) {
            metrics.images("undecodable", 1);
            throw new HttpError(400, "bad_image", entries.get(0).error());
        }
        List<Answer> answers = infer(ex, entries);
        return answerEach(ex, entries, answers, (r, a) -> {
            ArrayNode top = r.putArray("top_k");
            for (Prediction p : predictor.topK(a.probabilities(), topK)) {
                top.addObject().put("index", p.index()).put("label", p.label()).put("probability", p.probability());
            }
        });
    }

    /**
     * The JSON answer of a request's images, one {@code results} entry each: its name, then what {@code fill} adds
     * for an answered image, or its error. 200 when any image was answered; 400 when none was.
     */
    private int answerEach(Exchange ex, List<Entry> entries, List<Answer> answers,
                           java.util.function.BiConsumer<ObjectNode, Answer> fill) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode results = body.putArray("results");
        int ok = 0;
        for (int i = 0; i < entries.size(); i++) {
            ObjectNode r = results.addObject().put("name", entries.get(i).name());
            if (answers.get(i) == null) {
                r.put("error", entries.get(i).error());
            } else {
                fill.accept(r, answers.get(i));
                ok++;
            }
        }
        metrics.images("ok", ok);
        metrics.images("undecodable", entries.size() - ok);
        if (ok == 0) body.put("error", "bad_image").put("message", "no image in the request could be decoded");
        return json(ex, ok == 0 ? 400 : 200, body);
    }

    private int embed(Exchange ex) {
        String accept = ex.header("Accept");
        boolean binary = accept != null && accept.toLowerCase(Locale.ROOT).contains("application/octet-stream");
        boolean raw = !Multipart.isMultipart(ex.header("Content-Type"));
        List<Entry> entries = prepare(images(ex));
        if ((raw || binary) && entries.stream().anyMatch(e -> e.error() != null)) {
            // A binary answer has no place for per-image errors: refuse the request and name the bad images.
            List<String> errors = entries.stream().filter(e -> e.error() != null).map(Entry::error).toList();
            metrics.images("undecodable", errors.size());
            throw new HttpError(400, "bad_image", String.join("; ", errors));
        }
        List<Answer> answers = infer(ex, entries);
        if (binary) {
            int dim = answers.get(0).embedding().length;
            ByteBuffer buf = ByteBuffer.allocate(answers.size() * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (Answer a : answers) for (float v : a.embedding()) buf.putFloat(v);
            ex.setHeader("X-Embedding-Count", Integer.toString(answers.size()));
            ex.setHeader("X-Embedding-Dim", Integer.toString(dim));
            metrics.images("ok", answers.size());
            return send(ex, 200, "application/octet-stream", buf.array());
        }
        return answerEach(ex, entries, answers, (r, a) -> {
            ArrayNode e = r.putArray("embedding");
            for (float v : a.embedding()) e.add(v);
        });
    }

    private int attention(Exchange ex) {
        SwinConfig c = predictor.config();
        if (!predictor.hasAttentionMaps()) {
            throw new HttpError(400, "no_attention", "this model is " + c.family() + " (" + c.name() + "): its blocks "
                    + "mix each window's tokens with a spatial MLP, so it has no attention maps");
        }
        Map<String, String> q = query(ex);
        int stage = intParam(q, "stage", 0, 0, c.numStages() - 1);
        int block = intParam(q, "block", 0, 0, c.depths()[stage] - 1);
        int head = intParam(q, "head", 0, 0, c.numHeads()[stage] - 1);
        List<Multipart.Part> parts = images(ex);
        if (parts.size() != 1) throw new HttpError(400, "one_image", "attention takes one image, got " + parts.size());
        RgbImage img;
        try {
            img = decode(parts.get(0).data(), parts.get(0).label(0));
        } catch (ImageDecodeException e) {
            throw new HttpError(400, "bad_image", e.getMessage());
        }
        // One image, one forward pass with the probabilities kept: outside the batcher, on the core API.
        AttentionView view;
        try {
            if (!attentionPermit.tryAcquire(options.timeoutMillis(), TimeUnit.MILLISECONDS)) {
                throw new RetryLater("another attention view is being computed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "interrupted", "interrupted while waiting for the model");
        }
        try {
            view = predictor.attention(img, stage, block);
        } finally {
            attentionPermit.release();
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("stage", stage).put("block", block).put("head", head).put("heads", view.heads());
        body.put("shifted", view.plan().shifted());
        body.putArray("grid").add(view.gridHeight()).add(view.gridWidth());
        body.putArray("window").add(view.plan().windowH()).add(view.plan().windowW());
        body.putArray("shift").add(view.plan().shiftH()).add(view.plan().shiftW());
        body.put("windowTokens", view.plan().windowTokens());
        ObjectNode image = body.putObject("image");
        image.put("width", view.seen().width()).put("height", view.seen().height());
        image.put("png", Base64.getEncoder().encodeToString(view.seen().toPng()));
        ArrayNode groups = body.putArray("groups");
        for (int g : view.groups()) groups.add(g);
        ArrayNode partition = body.putArray("partition");
        for (int p : io.swin4j.geometry.WindowGeometry.partitionIndex(view.plan())) partition.add(p);
        ArrayNode probs = body.putArray("probs");
        for (float p : view.headProbs(head)) probs.add(Math.round(p * 1e5f) / 1e5f);
        return json(ex, 200, body);
    }

    private int model(Exchange ex) {
        SwinConfig c = predictor.config();
        ObjectNode body = JSON.createObjectNode();
        body.put("name", c.name());
        body.put("weights", predictor.weights().file().getFileName().toString());
        body.put("layout", predictor.weights().layout().toString());
        body.put("family", c.family().name());
        body.put("attentionMaps", predictor.hasAttentionMaps());
        body.put("precision", predictor.precision().toString());
        ObjectNode arch = body.putObject("architecture");
        arch.put("imgSize", c.imgSize()).put("patchSize", c.patchSize()).put("inChans", c.inChans())
                .put("embedDim", c.embedDim()).put("windowSize", c.windowSize()).put("mlpRatio", c.mlpRatio())
                .put("numClasses", c.numClasses()).put("numFeatures", c.numFeatures());
        ArrayNode depths = arch.putArray("depths");
        for (int d : c.depths()) depths.add(d);
        ArrayNode heads = arch.putArray("numHeads");
        for (int h : c.numHeads()) heads.add(h);
        ObjectNode preset = body.putObject("preset");
        preset.put("name", predictor.preset().name()).put("width", predictor.preset().width())
                .put("height", predictor.preset().height());
        ArrayNode classes = body.putArray("classes");
        for (String n : predictor.labels().names()) classes.add(n);
        ObjectNode serving = body.putObject("serving");
        serving.put("maxBatch", options.maxBatch()).put("maxWaitMs", options.maxWaitMillis())
                .put("queueCapacity", options.queueCapacity()).put("timeoutMs", options.timeoutMillis())
                .put("maxBodyBytes", options.maxBodyBytes()).put("maxImageBytes", options.maxImageBytes())
                .put("maxImages", options.maxImages());
        return json(ex, 200, body);
    }

    private int metricsPage(Exchange ex) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return send(ex, 200, ServeMetrics.CONTENT_TYPE, out.toByteArray());
    }

    private int page(Exchange ex) {
        String path = ex.path();
        String name = STATIC.get(path);
        String type = name.endsWith(".js") ? "text/javascript; charset=utf-8"
                : name.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
        return send(ex, 200, type, staticFiles.get(path));
    }

    // ---- shutdown -------------------------------------------------------------------------------------------

    /**
     * Graceful stop: /readyz turns 503 and new inference requests get 503, requests in flight finish (up to
     * {@link ServeOptions#drainSeconds()}), the batcher runs what is queued, then the socket closes.
     */
    @Override
    public void close() {
        if (stopped.getCount() == 0) return;
        synchronized (this) {
            if (stopped.getCount() == 0) return;
            draining = true;
            batcher.flush(); // images held for company run now: the requests in flight can finish
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.drainSeconds());
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (inFlight.get() > 0) LOG.warning(inFlight.get() + " request(s) still running after the drain period");
            try {
                http.stop();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "stopping the HTTP server failed", e);
            }
            batcher.close(TimeUnit.SECONDS.toMillis(Math.max(1, options.drainSeconds())));
            shutdownExecutors();
            stopped.countDown();
        }
    }

    /** After a failed start: nothing was served, so nothing to drain. */
    private void abandon() {
        try {
            http.stop();
        } catch (Exception e) {
            LOG.log(Level.FINE, "stopping a server that did not start", e);
        }
        batcher.close(1000);
        shutdownExecutors();
        stopped.countDown();
    }

    private void shutdownExecutors() {
        workers.shutdownNow();
        timer.shutdownNow();
    }
}
