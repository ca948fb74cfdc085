package io.swin4j.model;

import java.util.Locale;

/**
 * What an int8 model quantizes and how: the weights of qkv, proj, fc1, fc2 and the patch-merging reductions always
 * (int8, symmetric, per output channel); the classifier head and the patch embedding on request (fp32 by default: the
 * first and last layers are the most sensitive and the cheapest). Activations are uint8, asymmetric, per tensor:
 * measured on every call ({@link Activations#DYNAMIC}, no calibration) or fixed by calibration
 * ({@link Activations#STATIC}). Softmax, LayerNorm, GELU, the attention products and the position bias stay fp32.
 */
public record Quantization(Activations activations, boolean head, boolean patchEmbed) {

    public enum Activations {
        /** The range of each layer's input is measured per call (per batch). */
        DYNAMIC,
        /** Each layer's input range was calibrated on sample images. */
        STATIC;

        @Override
        public String toString() { return name().toLowerCase(Locale.ROOT); }

        public static Activations parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown activation quantization '" + s + "': expected dynamic or static");
            }
        }
    }

    public Quantization {
        java.util.Objects.requireNonNull(activations, "activations");
    }

    /** Dynamic activations, head and patch embedding in fp32: what {@code --precision int8} gives an fp32 model. */
    public static Quantization dynamic() { return new Quantization(Activations.DYNAMIC, false, false); }

    /** Static (calibrated) activations, head and patch embedding in fp32. */
    public static Quantization calibrated() { return new Quantization(Activations.STATIC, false, false); }

    public Quantization withHead(boolean on) { return new Quantization(activations, on, patchEmbed); }

    public Quantization withPatchEmbed(boolean on) { return new Quantization(activations, head, on); }

    @Override
    public String toString() {
        return "int8 (weights per channel, " + activations + " activations" + (head ? ", head" : "")
                + (patchEmbed ? ", patch embedding" : "") + ")";
    }
}
