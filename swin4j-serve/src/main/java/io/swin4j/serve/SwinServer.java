package io.swin4j.serve;

import io.swin4j.infer.SwinPredictor;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import static io.swin4j.serve.Responses.error;
import static io.swin4j.serve.Responses.json;
import static io.swin4j.serve.Responses.send;

/**
 * The HTTP service over one {@link SwinPredictor}: classify, embed, model info, health, Prometheus metrics and a
 * web page, with concurrent requests' prepared images gathered into shared forward passes by a {@link MicroBatcher}
 * that runs the core pipeline's batch, forward and post-process steps.
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
 * <p>This class holds the Jetty wiring, the routing table, dispatch, the executors and shutdown; the model's routes
 * are {@link InferenceRoutes}, bodies and their limits {@link RequestBodies}, health and readiness {@link Health},
 * and the answers' encoding {@link Responses}.
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
    private static final String WEB = "/io/swin4j/serve/web/";
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/style.css", "style.css");
    /**
     * Jetty's own threads: they parse, route and answer GETs, and never block. Their queue is Jetty's default
     * (Jetty warns against bounding it: its internal jobs must not be rejected); what can reach it is bounded by
     * the connection cap, and the blocking work goes to the bounded worker pool.
     */
    private static final int JETTY_THREADS = 16;

    @FunctionalInterface
    private interface Handler {
        /** Sends the response and returns its status. */
        int handle(Exchange ex) throws IOException;
    }

    /** A route; {@code work} routes read a body and run on a worker, the others answer on Jetty's thread. */
    private record Route(String label, Set<String> methods, boolean work, Handler handler) {}

    private final ServeOptions options;
    private final MicroBatcher<io.swin4j.pipeline.Prepared<?>, Object> batcher;
    private final ServeMetrics metrics;
    private final Health health;
    private final RequestBodies bodies;
    private final InferenceRoutes inference;
    private final Server http;
    private final ServerConnector connector;
    private final ConnectionGuard guard;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService timer;
    private final Map<String, Route> routes = new HashMap<>();
    private final Map<String, byte[]> staticFiles = new HashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    private SwinServer(SwinPredictor predictor, ServeOptions options,
                       Function<List<float[]>, SwinPredictor.BatchOutput> forward) {
        this.options = options;
        this.metrics = new ServeMetrics(this::queueDepth, options.maxBatch());
        this.batcher = new MicroBatcher<>(InferenceRoutes.batches(metrics), options.maxBatch(),
                options.maxWaitMillis(), options.queueCapacity());
        this.health = new Health(batcher, options.readyStallSeconds());
        ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "swin4j-deadlines");
            t.setDaemon(true);
            return t;
        });
        stpe.setRemoveOnCancelPolicy(true);
        this.timer = stpe;
        this.bodies = new RequestBodies(options, timer, this::fail);
        this.inference = new InferenceRoutes(predictor, options, batcher, metrics, health, bodies, forward);
        for (Map.Entry<String, String> e : STATIC.entrySet()) {
            staticFiles.put(e.getKey(), resource(e.getValue()));
            route(e.getKey(), "page", Set.of("GET", "HEAD"), false, this::page);
        }
        route("/v1/classify", "classify", Set.of("POST"), true, inference::classify);
        route("/v1/embed", "embed", Set.of("POST"), true, inference::embed);
        route("/v1/attention", "attention", Set.of("POST"), true, inference::attention);
        route("/v1/model", "model", Set.of("GET"), false, inference::model);
        route("/healthz", "healthz", Set.of("GET"), false, health::healthz);
        route("/readyz", "readyz", Set.of("GET"), false, health::readyz);
        route("/metrics", "metrics", Set.of("GET"), false, this::metricsPage);

        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(options.threads(), options.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(options.workQueue()), r -> {
                    Thread t = new Thread(r, "swin4j-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());

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

    private int queueDepth() {
        return batcher.queueDepth();
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
                bodies.read(ex, () -> submit(ex, route));
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
        if (health.draining() && ex.method().equals("POST")) {
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
        if (t instanceof Error e) health.broken(ex.target(), e);
        else LOG.log(Level.WARNING, "request " + ex.target() + " failed", t);
        json(ex, 500, error("internal", "internal error: " + t), false);
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

    // ---- the routes answered here ------------------------------------------------------------------------

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
            health.drain();
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