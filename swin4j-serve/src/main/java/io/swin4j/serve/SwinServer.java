package io.swin4j.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.swin4j.infer.AttentionView;
import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.SwinConfig;
import io.swin4j.vision.ImageDecodeException;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The HTTP service over one {@link SwinPredictor}: classify, embed, model info, health, Prometheus metrics and a
 * web page, with concurrent requests' images gathered into shared forward passes by a {@link MicroBatcher}.
 *
 * <p>The HTTP stack is the JDK's own {@code com.sun.net.httpserver}: no dependency and no second thread model to
 * tune. The service's cost is the forward pass (tens to hundreds of milliseconds), not HTTP parsing, so an async
 * server (Netty, Jetty) would buy nothing here; requests block a worker thread while their images wait for a
 * batch, which is what a bounded pool of {@link ServeOptions#threads()} workers is for.
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

    /** One image's answer from a batch. */
    private record Answer(float[] probabilities, float[] embedding) {}

    /** An image of a request: its name, and either its preprocessed input or why it has none. */
    private record Entry(String name, float[] input, String error) {}

    @FunctionalInterface
    private interface Handler {
        /** Sends the response and returns its status. */
        int handle(HttpExchange ex) throws IOException;
    }

    private record Route(String label, Set<String> methods, Handler handler) {}

    private final SwinPredictor predictor;
    private final ServeOptions options;
    private final ImageDecoder decoder;
    private final MicroBatcher<float[], Answer> batcher;
    private final ServeMetrics metrics;
    private final HttpServer http;
    private final ExecutorService workers;
    private final Map<String, Route> routes = new HashMap<>();
    private final Map<String, byte[]> staticFiles = new HashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Attention views run one at a time beside the batcher's forward passes (they are for people, not traffic). */
    private final java.util.concurrent.Semaphore attentionPermit = new java.util.concurrent.Semaphore(1);
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean draining;

    private SwinServer(SwinPredictor predictor, ServeOptions options) throws IOException {
        this.predictor = predictor;
        this.options = options;
        this.decoder = new ImageDecoder(options.maxPixels());
        this.batcher = new MicroBatcher<>(this::runBatch, options.maxBatch(), options.maxWaitMillis(),
                options.queueCapacity());
        this.metrics = new ServeMetrics(batcher::queueDepth, options.maxBatch());
        for (Map.Entry<String, String> e : STATIC.entrySet()) {
            staticFiles.put(e.getKey(), resource(e.getValue()));
            route(e.getKey(), "page", Set.of("GET", "HEAD"), this::page);
        }
        route("/v1/classify", "classify", Set.of("POST"), this::classify);
        route("/v1/embed", "embed", Set.of("POST"), this::embed);
        route("/v1/attention", "attention", Set.of("POST"), this::attention);
        route("/v1/model", "model", Set.of("GET"), this::model);
        route("/healthz", "healthz", Set.of("GET"), ex -> json(ex, 200, JSON.createObjectNode().put("status", "ok")));
        route("/readyz", "readyz", Set.of("GET"), ex -> draining
                ? json(ex, 503, JSON.createObjectNode().put("status", "draining"))
                : json(ex, 200, JSON.createObjectNode().put("status", "ready")));
        route("/metrics", "metrics", Set.of("GET"), this::metricsPage);
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "swin4j-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(workers);
        http.createContext("/", this::dispatch);
    }

    /** Binds and starts serving. The predictor stays the caller's: close it after the server. */
    public static SwinServer start(SwinPredictor predictor, ServeOptions options) throws IOException {
        SwinServer server = new SwinServer(predictor, options);
        server.http.start();
        return server;
    }

    /** The bound port (the chosen one when the options asked for port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    public URI uri() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + host + ":" + port() + "/");
    }

    public ServeOptions options() {
        return options;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitShutdown() throws InterruptedException {
        stopped.await();
    }

    private void route(String path, String label, Set<String> methods, Handler handler) {
        routes.put(path, new Route(label, methods, handler));
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

    private void dispatch(HttpExchange ex) {
        long start = System.nanoTime();
        inFlight.incrementAndGet();
        String label = "unknown";
        int status = 500;
        try {
            String path = ex.getRequestURI().getPath();
            Route route = routes.get(path);
            if (route == null) {
                throw new HttpError(404, "not_found", "no route " + path
                        + " (routes: POST /v1/classify, POST /v1/embed, POST /v1/attention, GET /v1/model, GET /healthz,"
                        + " GET /readyz, GET /metrics, GET /)");
            }
            label = route.label();
            if (!route.methods().contains(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", String.join(", ", new java.util.TreeSet<>(route.methods())));
                throw new HttpError(405, "method_not_allowed", ex.getRequestMethod() + " " + path + " is not supported; use "
                        + String.join(" or ", new java.util.TreeSet<>(route.methods())));
            }
            if (draining && ex.getRequestMethod().equals("POST")) {
                throw new HttpError(503, "shutting_down", "the service is shutting down");
            }
            status = route.handler().handle(ex);
        } catch (HttpError e) {
            status = e.status;
            if (e.status == 503) ex.getResponseHeaders().set("Retry-After", "1");
            trySend(ex, e.status, error(e.code, e.getMessage()));
        } catch (Throwable t) {
            // The service never dies from a request: log, answer 500, go on.
            status = 500;
            LOG.log(Level.WARNING, "request " + ex.getRequestMethod() + " " + ex.getRequestURI() + " failed", t);
            trySend(ex, 500, error("internal", "internal error: " + t));
        } finally {
            metrics.request(label, status, System.nanoTime() - start);
            ex.close();
            inFlight.decrementAndGet();
        }
    }

    private static ObjectNode error(String code, String message) {
        return JSON.createObjectNode().put("error", code).put("message", message);
    }

    private static void trySend(HttpExchange ex, int status, ObjectNode body) {
        try {
            json(ex, status, body);
        } catch (IOException | RuntimeException e) {
            // Headers already sent or the client went away: nothing more to tell it.
        }
    }

    private static int json(HttpExchange ex, int status, Object body) throws IOException {
        return send(ex, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private static int send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        return status;
    }

    // ---- request bodies -------------------------------------------------------------------------------------

    /** Past the body limit, up to this much more is read and dropped so that the client can read the 413. */
    private static final long DRAIN_LIMIT = 64L << 20;

    private byte[] readBody(HttpExchange ex) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        InputStream in = ex.getRequestBody();
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "bad_request", "invalid Content-Length: " + length);
            }
            if (declared > options.maxBodyBytes()) {
                drain(in);
                throw tooLarge(Long.toString(declared));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int r; (r = in.read(buf)) > 0; ) {
            total += r;
            if (total > options.maxBodyBytes()) {
                drain(in);
                throw tooLarge("more than " + options.maxBodyBytes());
            }
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }

    /**
     * Reads and drops the rest of a refused body (up to {@link #DRAIN_LIMIT}): a server that answers and closes
     * while the client is still sending makes the client's socket reset, and the client never sees the 413.
     */
    private static void drain(InputStream in) {
        try {
            byte[] buf = new byte[64 * 1024];
            long dropped = 0;
            for (int r; dropped < DRAIN_LIMIT && (r = in.read(buf)) > 0; ) dropped += r;
        } catch (IOException e) {
            // The client went away: nothing to answer.
        }
    }

    private HttpError tooLarge(String size) {
        return new HttpError(413, "body_too_large", "request body of " + size + " bytes exceeds the limit of "
                + options.maxBodyBytes() + " bytes (--max-body-mb)");
    }

    /** The request's images: a raw body is one image, a multipart body one per part. */
    private List<Multipart.Part> images(HttpExchange ex) throws IOException {
        byte[] body = readBody(ex);
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (!Multipart.isMultipart(type)) {
            if (body.length == 0) throw new HttpError(400, "empty_body", "empty request body: send an image (raw or multipart/form-data)");
            return List.of(new Multipart.Part(null, "body", type, body));
        }
        List<Multipart.Part> parts = new ArrayList<>(Multipart.parse(body, Multipart.boundary(type)));
        parts.removeIf(p -> p.filename() == null && p.data().length == 0);
        if (parts.isEmpty()) throw new HttpError(400, "no_images", "the multipart body has no parts with content");
        if (parts.size() > options.maxImages()) {
            throw new HttpError(413, "too_many_images", parts.size() + " images in one request exceed the limit of "
                    + options.maxImages() + " (--max-images)");
        }
        return parts;
    }

    /** Decodes and preprocesses on this worker thread (in parallel with other requests), not on the batcher's. */
    private List<Entry> prepare(List<Multipart.Part> parts) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            Multipart.Part p = parts.get(i);
            String name = p.label(i);
            try {
                RgbImage img = decoder.decode(p.data(), name);
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

    /** Runs the valid entries through the batcher; answers are in entry order, null for invalid entries. */
    private List<Answer> infer(List<Entry> entries) {
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
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.timeoutMillis());
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
        SwinPredictor.BatchOutput out = predictor.forward(inputs);
        metrics.batch(inputs.size(), System.nanoTime() - start);
        List<Answer> answers = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            answers.add(new Answer(out.probabilities() == null ? null : out.probabilities()[i], out.embeddings()[i]));
        }
        return answers;
    }

    // ---- routes ---------------------------------------------------------------------------------------------

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
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

    private int classify(HttpExchange ex) throws IOException {
        int classes = predictor.config().numClasses();
        if (classes == 0) throw new HttpError(400, "no_classifier", "the model has no classifier head: use /v1/embed");
        int topK = intParam(query(ex), "top_k", Math.min(5, classes), 1, classes);
        boolean raw = !Multipart.isMultipart(ex.getRequestHeaders().getFirst("Content-Type"));
        List<Entry> entries = prepare(images(ex));
        if (raw && entries.get(0).error() != null) {
            metrics.images("undecodable", 1);
            throw new HttpError(400, "bad_image", entries.get(0).error());
        }
        List<Answer> answers = infer(entries);
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
    private int answerEach(HttpExchange ex, List<Entry> entries, List<Answer> answers,
                           java.util.function.BiConsumer<ObjectNode, Answer> fill) throws IOException {
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

    private int embed(HttpExchange ex) throws IOException {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        boolean binary = accept != null && accept.toLowerCase(Locale.ROOT).contains("application/octet-stream");
        boolean raw = !Multipart.isMultipart(ex.getRequestHeaders().getFirst("Content-Type"));
        List<Entry> entries = prepare(images(ex));
        if ((raw || binary) && entries.stream().anyMatch(e -> e.error() != null)) {
            // A binary answer has no place for per-image errors: refuse the request and name the bad images.
            List<String> errors = entries.stream().filter(e -> e.error() != null).map(Entry::error).toList();
            metrics.images("undecodable", errors.size());
            throw new HttpError(400, "bad_image", String.join("; ", errors));
        }
        List<Answer> answers = infer(entries);
        if (binary) {
            int dim = answers.get(0).embedding().length;
            ByteBuffer buf = ByteBuffer.allocate(answers.size() * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (Answer a : answers) for (float v : a.embedding()) buf.putFloat(v);
            ex.getResponseHeaders().set("X-Embedding-Count", Integer.toString(answers.size()));
            ex.getResponseHeaders().set("X-Embedding-Dim", Integer.toString(dim));
            metrics.images("ok", answers.size());
            return send(ex, 200, "application/octet-stream", buf.array());
        }
        return answerEach(ex, entries, answers, (r, a) -> {
            ArrayNode e = r.putArray("embedding");
            for (float v : a.embedding()) e.add(v);
        });
    }

    private int attention(HttpExchange ex) throws IOException {
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
            img = decoder.decode(parts.get(0).data(), parts.get(0).label(0));
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

    private int model(HttpExchange ex) throws IOException {
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
                .put("maxBodyBytes", options.maxBodyBytes()).put("maxImages", options.maxImages());
        return json(ex, 200, body);
    }

    private int metricsPage(HttpExchange ex) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return send(ex, 200, ServeMetrics.CONTENT_TYPE, out.toByteArray());
    }

    private int page(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
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
            http.stop(0);
            batcher.close(TimeUnit.SECONDS.toMillis(Math.max(1, options.drainSeconds())));
            workers.shutdown();
            stopped.countDown();
        }
    }
}
