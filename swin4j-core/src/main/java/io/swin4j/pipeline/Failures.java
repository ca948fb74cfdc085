package io.swin4j.pipeline;

import io.swin4j.vision.ImageDecodeException;

/** The one rule for an input's error message: "source: reason". */
public final class Failures {

    private Failures() {}

    /**
     * "source: reason": a decode error names its source already ({@link ImageDecodeException}); any other failure of
     * the decode or preprocess steps (a resize over the limits, an unreadable file) is prefixed with the source.
     */
    public static String message(String source, Exception e) {
        String reason = e.getMessage() != null ? e.getMessage() : e.toString();
        return e instanceof ImageDecodeException ? reason : source + ": " + reason;
    }
}
