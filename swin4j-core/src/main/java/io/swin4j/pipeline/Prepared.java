package io.swin4j.pipeline;

/**
 * One input after the decode and preprocess steps of a {@link Pipeline}: its preprocessed input, or why it has none.
 * Opaque to callers, who gather these (a micro-batching server across requests) and hand them back to the pipeline
 * that made them ({@link Pipeline#infer}, {@link Pipeline#complete}, {@link Pipeline#inferMixed}).
 *
 * @param <O> the answer its pipeline gives
 */
public final class Prepared<O> {

    final Pipeline<O> pipeline;
    private final String source;
    final Object input;
    private final String error;
    final Exception cause;

    Prepared(Pipeline<O> pipeline, String source, Object input, Exception cause) {
        this.pipeline = pipeline;
        this.source = source;
        this.input = input;
        this.cause = cause;
        this.error = cause == null ? null : Failures.message(source, cause);
    }

    public String source() {
        return source;
    }

    public boolean ok() {
        return error == null;
    }

    /** "source: reason" when the decode or preprocess step failed, else null. */
    public String error() {
        return error;
    }

    /** The pipeline that prepared it. */
    public Pipeline<O> pipeline() {
        return pipeline;
    }

    /** This input's failure as a result (only for a failed input). */
    public Result<O> failure() {
        if (ok()) throw new IllegalStateException(source + " did not fail");
        return Result.failed(source, error);
    }
}
