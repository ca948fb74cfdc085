package io.swin4j.weights.io;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be read: the message names the file and what is wrong with it. */
public class CheckpointFormatException extends IOException {

    public CheckpointFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public CheckpointFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
