package io.swin4j.infer;

import io.swin4j.io.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The model that ships inside swin4j-core: a small Swin trained from scratch by {@code swin train --recipe
 * fashion-mnist} (10 Fashion-MNIST classes, 28×28 grey images; fp16 safetensors with its preprocessing and class
 * names in the metadata). It is what {@code swin predict} runs when no {@code --weights} is given.
 */
public final class BundledModel {

    public static final String RESOURCE = "/io/swin4j/default/fashion-mnist-swin.safetensors";
    public static final String DESCRIPTION = "swin4j's bundled Fashion-MNIST Swin (28×28, 10 classes)";
    private static Path extracted;

    private BundledModel() {}

    /**
     * The bundled checkpoint as a file: extracted once per content into {@code ~/.cache/swin4j/} (or a temporary
     * file where the home directory is not writable), so that every loader that takes a path can read it.
     */
    public static synchronized Path path() {
        if (extracted != null && Files.isRegularFile(extracted)) return extracted;
        byte[] bytes;
        try (InputStream in = BundledModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("the bundled model " + RESOURCE + " is missing from the swin4j-core jar");
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the bundled model " + RESOURCE, e);
        }
        String name = "fashion-mnist-swin-" + sha256(bytes).substring(0, 16) + ".safetensors";
        try {
            Path dir = Path.of(System.getProperty("user.home"), ".cache", "swin4j");
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file) || Files.size(file) != bytes.length) {
                Files.createDirectories(dir);
                AtomicFiles.write(file, out -> out.write(bytes));
            }
            extracted = file;
        } catch (IOException | SecurityException e) {
            try {
                Path tmp = Files.createTempFile("swin4j-", ".safetensors");
                tmp.toFile().deleteOnExit();
                Files.write(tmp, bytes);
                extracted = tmp;
            } catch (IOException e2) {
                throw new UncheckedIOException("could not write the bundled model to a file", e2);
            }
        }
        return extracted;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
