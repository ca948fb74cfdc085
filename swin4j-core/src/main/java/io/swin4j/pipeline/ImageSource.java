package io.swin4j.pipeline;

import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one input image of a {@link Pipeline} comes from: a file, encoded bytes (an upload, a Spark row), bytes read
 * on demand (a Hadoop path), or an image already decoded. Its {@link #name()} names it in results and errors.
 */
public sealed interface ImageSource {

    /** Names the input in its {@link Result} and in error messages ("name: reason"). */
    String name();

    /** The decode step: this source's pixels, checked against {@code decoder}'s limits. */
    RgbImage decode(ImageDecoder decoder) throws IOException;

    /** Encoded bytes read on demand, e.g. from a file system the decoder cannot open itself. */
    @FunctionalInterface
    interface BytesReader {
        byte[] read() throws IOException;
    }

    static ImageSource file(Path file) {
        return new File(file);
    }

    static ImageSource bytes(byte[] data, String name) {
        return new Bytes(data, name);
    }

    static ImageSource reader(String name, BytesReader reader) {
        return new Lazy(name, reader);
    }

    static ImageSource image(RgbImage image, String name) {
        return new Decoded(image, name);
    }

    /** An image file, read and decoded with the decoder's limits (file length included). */
    record File(Path file) implements ImageSource {
        public File { Objects.requireNonNull(file); }
        @Override public String name() { return file.toString(); }
        @Override public RgbImage decode(ImageDecoder decoder) throws IOException { return decoder.decode(file); }
    }

    /** Encoded image bytes. */
    record Bytes(byte[] data, String name) implements ImageSource {
        public Bytes { Objects.requireNonNull(data); Objects.requireNonNull(name); }
        @Override public RgbImage decode(ImageDecoder decoder) throws IOException { return decoder.decode(data, name); }
    }

    /** Encoded image bytes, read when the pipeline decodes the image (a failure to read is this input's error). */
    record Lazy(String name, BytesReader reader) implements ImageSource {
        public Lazy { Objects.requireNonNull(name); Objects.requireNonNull(reader); }
        @Override public RgbImage decode(ImageDecoder decoder) throws IOException { return decoder.decode(reader.read(), name); }
    }

    /** An image already decoded: the decode step passes it through. */
    record Decoded(RgbImage image, String name) implements ImageSource {
        public Decoded { Objects.requireNonNull(image); Objects.requireNonNull(name); }
        @Override public RgbImage decode(ImageDecoder decoder) { return image; }
    }
}
