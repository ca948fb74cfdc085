package io.swin4j.pipeline;

/**
 * One input's answer from a {@link Pipeline}, or why it has none.
 *
 * @param source the input's {@link ImageSource#name()}
 * @param value  the task's output, null when the input failed
 * @param error  "source: reason" when the input failed, else null
 */
public record Result<O>(String source, O value, String error) {

    public static <O> Result<O> ok(String source, O value) {
        return new Result<>(source, value, null);
    }

    public static <O> Result<O> failed(String source, String error) {
        return new Result<>(source, null, java.util.Objects.requireNonNull(error));
    }

    public boolean ok() {
        return error == null;
    }
}
