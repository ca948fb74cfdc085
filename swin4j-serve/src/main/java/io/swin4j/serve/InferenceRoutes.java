package io.swin4j.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.infer.AttentionTask;
import io.swin4j.infer.AttentionView;
import io.swin4j.infer.ClassifyTask;
import io.swin4j.infer.EmbedTask;
import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.model.SwinConfig;
import io.swin4j.pipeline.ImageSource;
import io.swin4j.pipeline.Pipeline;
import io.swin4j.pipeline.Prepared;
import io.swin4j.pipeline.Result;
import io.swin4j.pipeline.ResultJson;
import io.swin4j.pipeline.Task;
import io.swin4j.vision.ImageLimits;

import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * request's body complete) and {@code /v1/model}. Each route runs its task's core {@link Pipeline}: the decode and
 * preprocess steps here, at most {@link ServeOptions#maxDecodes()} images at a time under the pipeline's limits
 * ({@link ServeOptions#maxPixels()}); the batch, forward and post-process steps in the shared {@link MicroBatcher},
 * which gathers prepared images across requests. A bad image fails its own entry, not the request.
 */
final class InferenceRoutes {

    private final SwinPredictor predictor;
    private final ServeOptions options;
    private final MicroBatcher<Prepared<?>, Object> batcher;
    private final ServeMetrics metrics;
    private final Health health;
    private final RequestBodies bodies;
    final ImageLimits limits;
    /** Every class ranked (null without a head): a request's top_k is the head of the ranking, {@link io.swin4j.infer.TopK}'s order. */
    private final Pipeline<List<Prediction>> classify;
    private final ClassifyTask classifyTask;
    private final Pipeline<float[]> embed;
    private final EmbedTask embedTask;
    private final Semaphore decodes;
    /** Attention views run one at a time beside the batcher's forward passes (they are for people, not traffic). */
    private final Semaphore attentionPermit = new Semaphore(1);

    /** @param forward the forward pass of the classify and embed tasks ({@link SwinPredictor#forward}; tests wrap it) */
    InferenceRoutes(SwinPredictor predictor, ServeOptions options, MicroBatcher<Prepared<?>, Object> batcher,
                    ServeMetrics metrics, Health health, RequestBodies bodies,
                    Function<List<float[]>, SwinPredictor.BatchOutput> forward) {
        this.predictor = predictor;
        this.options = options;
        this.batcher = batcher;
        this.metrics = metrics;
        this.health = health;
        this.bodies = bodies;
        this.limits = ImageLimits.DEFAULTS.withMaxPixels(options.maxPixels());
        // Without a classifier (a segmentation server: SegmentRoutes) only the shared steps below are used.
        int classes = predictor == null ? 0 : predictor.config().numClasses();
        this.classifyTask = classes == 0 ? null : new ClassifyTask(predictor.preset(), predictor.labels(), classes, forward);
        this.classify = classes == 0 ? null : pipeline(classifyTask);
        this.embedTask = predictor == null ? null : new EmbedTask(predictor.preset(), forward);
        this.embed = predictor == null ? null : pipeline(embedTask);
        this.decodes = new Semaphore(options.maxDecodes());
    }

    private <O> Pipeline<O> pipeline(Task<?, ?, O> task) {
        return predictor.pipeline(task).withLimits(limits).withBatchSize(options.maxBatch());
    }

    /** The batcher's work: a gathered batch through its pipelines' batch, forward and post-process steps, timed. */
    static Function<List<Prepared<?>>, List<Object>> batches(ServeMetrics metrics) {
        return inputs -> {
            long start = System.nanoTime();
            List<Object> answers = Pipeline.inferMixed(inputs);
            metrics.batch(inputs.size(), System.nanoTime() - start);
            return answers;
        };
    }

    /** The decode and preprocess steps of a request's images, in order; a failed image keeps its place. */
    <O> List<Prepared<O>> prepare(Pipeline<O> pipeline, List<Multipart.Part> parts) {
        List<Prepared<O>> entries = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) entries.add(prepare(pipeline, parts.get(i).data(), parts.get(i).label(i)));
        return entries;
    }

    /**
     * One image's decode and preprocess steps, holding one of the {@link ServeOptions#maxDecodes()} decode slots (a
     * decode can take hundreds of MB); 503 when no slot frees up within the request timeout.
     */
    <O> Prepared<O> prepare(Pipeline<O> pipeline, byte[] data, String name) {
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
            return pipeline.prepare(ImageSource.bytes(data, name));
        } finally {
            decodes.release();
        }
    }

    /** Runs the prepared entries through the batcher; results are in entry order, failed entries in place. */
    <O> List<Result<O>> infer(Exchange ex, List<Prepared<O>> entries) {
        List<Prepared<?>> inputs = new ArrayList<>();
        for (Prepared<O> e : entries) if (e.ok()) inputs.add(e);
        List<CompletableFuture<Object>> futures;
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
        List<Result<O>> results = new ArrayList<>();
        int k = 0;
        try {
            for (Prepared<O> e : entries) {
                if (!e.ok()) {
                    results.add(e.failure());
                    continue;
                }
                CompletableFuture<Object> f = futures.get(k++);
                @SuppressWarnings("unchecked") // the batcher answers each input with its own pipeline's answer
                O answer = (O) f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                results.add(Result.ok(e.source(), answer));
            }
            return results;
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
        List<Prepared<List<Prediction>>> entries = prepare(classify, bodies.images(ex));
        if (raw && !entries.get(0).ok()) {
            metrics.images("undecodable", 1);
            throw new HttpError(400, "bad_image", entries.get(0).error());
        }
        List<Result<List<Prediction>>> top = new ArrayList<>();
        for (Result<List<Prediction>> r : infer(ex, entries)) {
            top.add(r.ok() ? Result.ok(r.source(), r.value().subList(0, topK)) : r);
        }
        return answerEach(ex, top, classifyTask);
    }

    /**
     * The JSON answer of a request's images ({@link ResultJson#results}), one {@code results} entry each: its name,
     * then its task's answer or its error. 200 when any image was answered; 400 when none was.
     */
    <O> int answerEach(Exchange ex, List<Result<O>> results, Task<?, ?, O> task) {
        ObjectNode body = ResultJson.results(results, task);
        int ok = (int) results.stream().filter(Result::ok).count();
        metrics.images("ok", ok);
        metrics.images("undecodable", results.size() - ok);
        if (ok == 0) body.put("error", "bad_image").put("message", "no image in the request could be decoded");
        return json(ex, ok == 0 ? 400 : 200, body);
    }

    int embed(Exchange ex) {
        String accept = ex.header("Accept");
        boolean binary = accept != null && accept.toLowerCase(Locale.ROOT).contains("application/octet-stream");
        boolean raw = !Multipart.isMultipart(ex.header("Content-Type"));
        List<Prepared<float[]>> entries = prepare(embed, bodies.images(ex));
        if ((raw || binary) && entries.stream().anyMatch(e -> !e.ok())) {
            // A binary answer has no place for per-image errors: refuse the request and name the bad images.
            List<String> errors = entries.stream().filter(e -> !e.ok()).map(Prepared::error).toList();
            metrics.images("undecodable", errors.size());
            throw new HttpError(400, "bad_image", String.join("; ", errors));
        }
        List<Result<float[]>> results = infer(ex, entries);
        if (binary) {
            int dim = results.get(0).value().length;
            ByteBuffer buf = ByteBuffer.allocate(results.size() * dim * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (Result<float[]> r : results) for (float v : r.value()) buf.putFloat(v);
            ex.setHeader("X-Embedding-Count", Integer.toString(results.size()));
            ex.setHeader("X-Embedding-Dim", Integer.toString(dim));
            metrics.images("ok", results.size());
            return send(ex, 200, "application/octet-stream", buf.array());
        }
        return answerEach(ex, results, embedTask);
    }

    int attention(Exchange ex) {
        SwinConfig c = predictor.config();
        if (!predictor.hasAttentionMaps() && c.family() != SwinConfig.Family.MLP) {
            throw new HttpError(400, "no_attention", "attention maps need the libtorch engine; this server runs "
                    + c.name() + " on " + predictor.engine() + " (swin serve --engine libtorch)");
        }
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
        AttentionTask task = predictor.attentionTask(stage, block, head);
        Pipeline<AttentionView> pipeline = pipeline(task);
        Prepared<AttentionView> image = prepare(pipeline, parts.get(0).data(), parts.get(0).label(0));
        if (!image.ok()) throw new HttpError(400, "bad_image", image.error());
        // One image, one forward pass with the probabilities kept: outside the batcher, on the pipeline.
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
            view = pipeline.infer(List.of(image)).get(0);
        } finally {
            attentionPermit.release();
        }
        return json(ex, 200, task.toJson(view));
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
        body.put("engine", predictor.engine());
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
        options.describe(body.putObject("serving"));
        return json(ex, 200, body);
    }
}
