package io.swin4j.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.swin4j.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Settings files of training runs (classification's {@link TrainConfig}, segmentation's), JSON or YAML by extension:
 * unknown keys are errors, a file overrides only the keys it names, writes are atomic.
 */
public final class ConfigFiles {

    private ConfigFiles() {}

    private static ObjectMapper mapper(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper m = n.endsWith(".yaml") || n.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper();
        return m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).enable(SerializationFeature.INDENT_OUTPUT);
    }

    /** {@code base} (a copy the caller made) with the values {@code file} names; errors name the file. */
    public static <T> T read(Path file, T copyOfBase) throws IOException {
        try {
            return mapper(file).readerForUpdating(copyOfBase).readValue(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": " + e.getOriginalMessage(), e);
        }
    }

    /** The file as a tree (to look at a key before choosing the settings class). */
    public static JsonNode tree(Path file) throws IOException {
        return mapper(file).readTree(file.toFile());
    }

    public static void write(Path file, Object settings) throws IOException {
        byte[] bytes = mapper(file).writeValueAsBytes(settings);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** The settings as JSON bytes (what rank 0 sends the other ranks of a distributed run). */
    public static byte[] toJson(Object settings) {
        try {
            return new ObjectMapper().writeValueAsBytes(settings);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Settings from {@link #toJson} bytes; unknown keys are an error. */
    public static <T> T fromJson(byte[] json, Class<T> type) {
        try {
            return new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(json, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("settings sent by rank 0: " + e.getMessage(), e);
        }
    }

    /** A deep copy through JSON. */
    public static <T> T copy(T settings, Class<T> type) {
        try {
            ObjectMapper m = new ObjectMapper();
            return m.readValue(m.writeValueAsBytes(settings), type);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds "name must be >= 1, got v" to {@code problems} unless {@code v >= 1}. */
    public static void positive(java.util.List<String> problems, String name, int v) {
        if (v < 1) problems.add(name + " must be >= 1, got " + v);
    }

    /** {@code settings}, or an error listing every problem under {@code what} ("invalid training settings"). */
    public static <T> T valid(T settings, java.util.List<String> problems, String what) {
        if (!problems.isEmpty()) throw new IllegalArgumentException(what + ":\n  " + String.join("\n  ", problems));
        return settings;
    }
}
