package io.swin4j.pipeline;

import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.ImageLimits;
import io.swin4j.vision.RgbImage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One task's inference: decode (an {@link ImageDecoder} with its {@link ImageLimits}) → preprocess → batch →
 * forward → post-process, one {@link Result} per input in input order, a failed input ("source: reason") in its
 * place while the others go on. Immutable and thread-safe when its task is.
 *
 * <p>Three ways in:
 * <ul>
 *   <li>{@link #run}: sources in, results out, streamed to a callback as each batch finishes (a CLI, a library);</li>
 *   <li>{@link #prepare} then {@link #infer} / {@link #complete}: the decode and preprocess steps apart from the
 *       batch, forward and post-process steps, for a caller that gathers prepared inputs itself (a micro-batching
 *       server, a Spark partition);</li>
 *   <li>{@link #inferMixed}: prepared inputs of several pipelines in one gathered batch.</li>
 * </ul>
 *
 * <pre>{@code
 * Pipeline<List<Prediction>> top5 = predictor.pipeline(predictor.classifyTask(5));
 * top5.run(List.of(ImageSource.file(Path.of("cat.jpg"))), r -> System.out.println(r));
 * }</pre>
 *
 * @param <O> one input's answer
 */
public final class Pipeline<O> {

    private final Task<Object, Object, O> task;
    private final ImageDecoder decoder;
    private final int batchSize;

    private Pipeline(Task<Object, Object, O> task, ImageDecoder decoder, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        this.task = Objects.requireNonNull(task);
        this.decoder = Objects.requireNonNull(decoder);
        this.batchSize = batchSize;
    }

    /** A pipeline of {@code task}, decoding with {@code decoder}, at most {@code batchSize} inputs a forward pass. */
    @SuppressWarnings("unchecked")
    public static <I, B, O> Pipeline<O> of(Task<I, B, O> task, ImageDecoder decoder, int batchSize) {
        return new Pipeline<>((Task<Object, Object, O>) (Task<?, ?, O>) task, decoder, batchSize);
    }

    /** The same task with other decode (and resize) limits. */
    public Pipeline<O> withLimits(ImageLimits limits) {
        return new Pipeline<>(task, new ImageDecoder(limits), batchSize);
    }

    /** The same task with another batch size. */
    public Pipeline<O> withBatchSize(int n) {
        return new Pipeline<>(task, decoder, n);
    }

    public Task<?, ?, O> task() {
        return task;
    }

    public ImageLimits limits() {
        return decoder.limits();
    }

    public int batchSize() {
        return batchSize;
    }

    // ---- decode and preprocess ----------------------------------------------------------------------------------

    /**
     * The decode and preprocess steps of one input. Never throws for a bad input (an unreadable or corrupt file, one
     * over the limits, out of memory while decoding): the result is a failed {@link Prepared} naming it.
     */
    public Prepared<O> prepare(ImageSource source) {
        String name = source.name();
        try {
            RgbImage image = source.decode(decoder);
            return new Prepared<>(this, name, task.preprocess(image, decoder.limits()), null);
        } catch (IOException | RuntimeException e) {
            return new Prepared<>(this, name, null, e);
        }
    }

    // ---- batch, forward and post-process ------------------------------------------------------------------------

    /**
     * The batch, forward and post-process steps over prepared inputs (all {@link Prepared#ok()}, all of this
     * pipeline): one answer each, in order. Inputs are grouped by the task's {@link Task#batchKey} (in order of
     * first appearance) and each group runs in forward passes of at most the batch size. A failure of a forward
     * pass propagates.
     */
    public List<O> infer(List<Prepared<O>> inputs) {
        for (Prepared<O> p : inputs) {
            if (p.pipeline != this) throw new IllegalArgumentException(p.source() + " was prepared by another pipeline");
            if (!p.ok()) throw new IllegalArgumentException("cannot infer a failed input: " + p.error());
        }
        Object[] out = new Object[inputs.size()];
        Map<Object, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            groups.computeIfAbsent(task.batchKey(inputs.get(i).input), k -> new ArrayList<>()).add(i);
        }
        int step = Math.max(1, Math.min(batchSize, task.maxBatch()));
        for (List<Integer> group : groups.values()) {
            for (int start = 0; start < group.size(); start += step) {
                List<Integer> at = group.subList(start, Math.min(group.size(), start + step));
                List<Object> batch = new ArrayList<>(at.size());
                for (int i : at) batch.add(inputs.get(i).input);
                Object outputs = task.forward(batch);
                for (int j = 0; j < at.size(); j++) out[at.get(j)] = task.postprocess(outputs, j, batch.get(j));
            }
        }
        List<O> answers = new ArrayList<>(out.length);
        for (Object o : out) {
            @SuppressWarnings("unchecked") O answer = (O) o;
            answers.add(answer);
        }
        return answers;
    }

    /** {@link #infer} over the inputs that were prepared; the failed ones keep their place as failures. */
    public List<Result<O>> complete(List<Prepared<O>> prepared) {
        List<Prepared<O>> ok = new ArrayList<>();
        for (Prepared<O> p : prepared) if (p.ok()) ok.add(p);
        List<O> answers = ok.isEmpty() ? List.of() : infer(ok);
        List<Result<O>> results = new ArrayList<>(prepared.size());
        int k = 0;
        for (Prepared<O> p : prepared) results.add(p.ok() ? Result.ok(p.source(), answers.get(k++)) : p.failure());
        return results;
    }

    /**
     * Prepared inputs of any pipelines (a server's batch gathered across routes): each pipeline's inputs run through
     * its own {@link #infer}, in order of first appearance; the answers come back in input order.
     */
    public static List<Object> inferMixed(List<? extends Prepared<?>> inputs) {
        Map<Pipeline<?>, List<Integer>> byPipeline = new IdentityHashMap<>();
        List<Pipeline<?>> order = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Pipeline<?> p = inputs.get(i).pipeline;
            byPipeline.computeIfAbsent(p, k -> {
                order.add(k);
                return new ArrayList<>();
            }).add(i);
        }
        Object[] out = new Object[inputs.size()];
        for (Pipeline<?> p : order) {
            List<Integer> at = byPipeline.get(p);
            List<?> answers = inferUnchecked(p, inputs, at);
            for (int j = 0; j < at.size(); j++) out[at.get(j)] = answers.get(j);
        }
        return java.util.Arrays.asList(out);
    }

    @SuppressWarnings("unchecked")
    private static <O> List<O> inferUnchecked(Pipeline<O> p, List<? extends Prepared<?>> inputs, List<Integer> at) {
        List<Prepared<O>> mine = new ArrayList<>(at.size());
        for (int i : at) mine.add((Prepared<O>) inputs.get(i));
        return p.infer(mine);
    }

    // ---- the whole pipeline ---------------------------------------------------------------------------------

    /**
     * Every step over {@code sources}, a batch (the batch size) at a time: one result per source in input order,
     * each handed to {@code each} (may be null) as its batch finishes, so a caller can stream them.
     */
    public List<Result<O>> run(List<? extends ImageSource> sources, Consumer<? super Result<O>> each) {
        List<Result<O>> all = new ArrayList<>(sources.size());
        for (int start = 0; start < sources.size(); start += batchSize) {
            List<Prepared<O>> chunk = new ArrayList<>();
            for (ImageSource s : sources.subList(start, Math.min(sources.size(), start + batchSize))) chunk.add(prepare(s));
            for (Result<O> r : complete(chunk)) {
                all.add(r);
                if (each != null) each.accept(r);
            }
        }
        return all;
    }

    /**
     * One input through every step; a failed input throws what its decode or preprocess step threw (an
     * {@link IOException} from decoding, e.g. an {@link io.swin4j.vision.ImageDecodeException}).
     */
    public O runOne(ImageSource source) throws IOException {
        Prepared<O> p = prepare(source);
        if (p.cause instanceof IOException e) throw e;
        if (p.cause instanceof RuntimeException e) throw e;
        return infer(List.of(p)).get(0);
    }
}
