package io.swin4j.weights.layout;

/** A state dict that matches none of the known Swin layouts. */
public class UnknownLayoutException extends IllegalArgumentException {
    public UnknownLayoutException(String message) {
        super(message);
    }
}
