package io.swin4j.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Class names by output index. */
public final class Labels {

    private final List<String> names;
    private final String source;

    private Labels(List<String> names, String source) {
        this.names = List.copyOf(names);
        this.source = source;
    }

    /** The 1000 ImageNet-1K names (torchvision's list, bundled). */
    public static Labels imagenet1k() {
        try (InputStream in = Labels.class.getResourceAsStream("/io/swin4j/infer/imagenet1k.txt")) {
            if (in == null) throw new IllegalStateException("bundled imagenet1k.txt is missing from the jar");
            return new Labels(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList(), "ImageNet-1K");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled imagenet1k.txt", e);
        }
    }

    /** Names given in code, e.g. a dataset's classes; {@code source} says where they came from. */
    public static Labels of(List<String> names, String source) {
        return new Labels(names, source);
    }

    /** The names in index order. */
    public List<String> names() {
        return names;
    }

    /** Names "class_0" ... for a head without known names. */
    public static Labels numbered(int classes) {
        List<String> n = new ArrayList<>(classes);
        for (int i = 0; i < classes; i++) n.add("class_" + i);
        return new Labels(n, "numbered");
    }

    /** The bundled names when they fit the head (1000 classes), else numbered names. */
    public static Labels defaultFor(int classes) {
        return classes == 1000 ? imagenet1k() : numbered(classes);
    }

    /**
     * A user's labels file: one name per line, or JSON — a list of names, or an object mapping index to name
     * (as HF's {@code id2label}), indices 0..n−1 all present.
     */
    public static Labels read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String trimmed = text.strip();
        if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(trimmed);
            } catch (IOException e) {
                throw new IOException(file + ": labels file is not valid JSON: " + e.getMessage(), e);
            }
            if (root.has("id2label")) root = root.get("id2label");
            List<String> names = new ArrayList<>();
            if (root.isArray()) {
                root.forEach(n -> names.add(n.asText()));
            } else {
                Map<Integer, String> byIndex = new TreeMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    try {
                        byIndex.put(Integer.parseInt(e.getKey().trim()), e.getValue().asText());
                    } catch (NumberFormatException ex) {
                        throw new IOException(file + ": labels key '" + e.getKey() + "' is not a class index");
                    }
                }
                for (int i = 0; i < byIndex.size(); i++) {
                    String n = byIndex.get(i);
                    if (n == null) throw new IOException(file + ": labels lack index " + i);
                    names.add(n);
                }
            }
            return new Labels(names, file.toString());
        }
        List<String> lines = text.lines().toList();
        int end = lines.size();
        while (end > 0 && lines.get(end - 1).isBlank()) end--;
        return new Labels(lines.subList(0, end), file.toString());
    }

    public int size() {
        return names.size();
    }

    public String name(int index) {
        return index >= 0 && index < names.size() ? names.get(index) : "class_" + index;
    }

    public String source() {
        return source;
    }

    /** Throws unless there is one name per model output. */
    public Labels requireSize(int classes) {
        if (names.size() != classes) {
            throw new IllegalArgumentException("labels from " + source + " have " + names.size()
                    + " names; the model has " + classes + " classes");
        }
        return this;
    }
}
