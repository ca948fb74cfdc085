package io.swin4j.model;

/**
 * How a parameter is initialised, as the reference's {@code _init_weights} (and PyTorch's module defaults) do it.
 *
 * @param kind  the distribution
 * @param value std for {@link Kind#NORMAL}, bound for {@link Kind#UNIFORM}, the value for {@link Kind#CONSTANT}
 */
public record Init(Kind kind, double value) {

    public enum Kind { ZEROS, CONSTANT, NORMAL, UNIFORM }

    public static final Init ZEROS = new Init(Kind.ZEROS, 0);
    public static final Init ONES = new Init(Kind.CONSTANT, 1);
    /** timm's trunc_normal_(std=.02) cut at ±2 (absolute), that is at 100 std: a plain normal. */
    public static final Init TRUNC_NORMAL = new Init(Kind.NORMAL, 0.02);

    public static Init constant(double v) { return new Init(Kind.CONSTANT, v); }

    /** PyTorch's default Conv/Linear init for a layer of {@code fanIn} inputs: U(±1/sqrt(fan_in)). */
    public static Init defaultForFanIn(long fanIn) { return new Init(Kind.UNIFORM, 1 / Math.sqrt(fanIn)); }
}
