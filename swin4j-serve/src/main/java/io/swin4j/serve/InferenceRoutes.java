package io.swin4j.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.infer.AttentionView;
import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.SwinConfig;
import io.swin4j.vision.ImageDecodeException;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;

import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import static io.swin4j.serve.Responses.JSON;
import static io.swin4j.serve.Responses.json;
import static io.swin4j.serve.Responses.send;

/**
 * The model's routes: {@code /v1/classify}, {@code /v1/embed} and {@code /v1/attention} (on a worker, with the
 * request's body complete) and {@code /v1/model}. Images are decoded at most {@link ServeOptions#maxDecodes()} at a
 * time and run through the shared {@link MicroBatcher}; a bad image fails its own entry, not the request.
 */
final class InferenceRoutes {

    /** One image's answer from a batch. */
    record Answer(float[] probabilities, float[] embedding) {}

    /** An image of a request: its name, and either its preprocessed input or why it has none. */
    private record Entry(String name, float[] input, String error) {}

    private final SwinPredictor predictor;
    private final ServeOptions options;
    private final MicroBatcher<float[], Answer> batcher;
    private final ServeMetrics metrics;
    private final Health health;
    private final RequestBodies bodies;
    private final ImageDecoder decoder;
    private final Semaphore decodes;
    /** Attention views run one at a time beside the batcher's forward passes (they are for people, not traffic). */
    private final Semaphore attentionPermit = new Semaphore(1);

    InferenceRoutes(SwinPredictor predictor, ServeOptions options, MicroBatcher<float[], Answer> batcher,
                    ServeMetrics metrics, Health health, RequestBodies bodies) {
        this.predictor = predictor;
        this.options = options;
        this.batcher = batcher;
        this.metrics = metrics;
        this.health = health;
        this.bodies = bodies;
        this.decoder = new ImageDecoder(options.maxPixels());
        this.decodes = new Semaphore(options.maxDecodes());
    }

    /** The batcher's work: one forward pass over {@code inputs}, timed into {@code metrics}. */
    static Function<List<float[]>, List<Answer>> batches(Function<List<float[]>, SwinPredictor.BatchOutput> forward,
                                                        ServeMetrics metrics) {
        return inputs -> {
            long start = System.nanoTime();
            SwinPredictor.BatchOutput out = forward.apply(inputs);
            metrics.batch(inputs.size(), System.nanoTime() - start);
            List<Answer> answers = new ArrayList<>(inputs.size());
            for (int i = 0; i < inputs.size(); i++) {
                answers.add(new Answer(out.probabilities() == null ? null : out.probabilities()[i], out.embeddings()[i]));
            }
            return answers;
        };
    }

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
                health.broken("a forward pass", err);
                throw new HttpError(503, "failed", "inference failed with " + err + "; the service is unhealthy");
            }
            throw new IllegalStateException("inference failed: " + cause, cause);
        }
    }

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

    int classify(Exchange ex) {
        int classes = predictor.config().numClasses();
        if (classes == 0) throw new HttpError(400, "no_classifier", "the model has no classifier head: use /v1/embed");
        int topK = intParam(query(ex), "top_k", Math.min(5, classes), 1, classes);
        boolean raw = !Multipart.isMultipart(ex.header("Content-Type"));
        List<Entry> entries = prepare(bodies.images(ex));
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

    int embed(Exchange ex) {
        String accept = ex.header("Accept");
        boolean binary = accept != null && accept.toLowerCase(Locale.ROOT).contains("application/octet-stream");
        boolean raw = !Multipart.isMultipart(ex.header("Content-Type"));
        List<Entry> entries = prepare(bodies.images(ex));
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

    int attention(Exchange ex) {
        SwinConfig c = predictor.config();
        if (!predictor.hasAttentionMaps()) {
            throw new HttpError(400, "no_attention", "this model is " + c.family() + " (" + c.name() + "): its blocks "
                    + "mix each window's tokens with a spatial MLP, so it has no attention maps");
        }
        Map<String, String> q = query(ex);
        int stage = intParam(q, "stage", 0, 0, c.numStages() - 1);
        int block = intParam(q, "block", 0, 0, c.depths()[stage] - 1);
        int head = intParam(q, "head", 0, 0, c.numHeads()[stage] - 1);
        List<Multipart.Part> parts = bodies.images(ex);
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

    int model(Exchange ex) {
        SwinConfig c = predictor.config();
        ObjectNode body = JSON.createObjectNode();
        body.put("name", c.name());
        body.put("weights", predictor.weights().file().getFileName().toString());
        body.put("layout", predictor.weights().layout().toString());
        body.put("family", c.family().name());
        body.put("attentionMaps", predictor.hasAttentionMaps());
        body.put("precision", predictor.precisionLabel());
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
}
