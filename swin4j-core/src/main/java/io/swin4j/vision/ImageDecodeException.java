package io.swin4j.vision;

import java.io.IOException;

/** An image that cannot be used: the message names the source and the reason. */
public class ImageDecodeException extends IOException {
    public ImageDecodeException(String source, String reason) {
        super(source + ": " + reason);
    }

    public ImageDecodeException(String source, String reason, Throwable cause) {
        super(source + ": " + reason, cause);
    }
}
