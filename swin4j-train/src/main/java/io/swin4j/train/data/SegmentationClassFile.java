package io.swin4j.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The class names of a segmentation folder: {@code root/classes.txt} (one name per line, in index order) or
 * {@code root/classes.json} (a JSON list); without either, {@code class0 … class<n−1>} for a given count.
 */
public final class SegmentationClassFile {

    public static final String FILE = "classes.txt", JSON_FILE = "classes.json";

    private SegmentationClassFile() {}

    /**
     * The names the dataset at {@code root} declares, checked against {@code count} when that is given.
     *
     * @param count the class count the settings give, or null
     * @throws IllegalArgumentException without a classes file and without a count, or when they disagree
     */
    public static List<String> of(Path root, Integer count) throws IOException {
        List<String> names = read(root);
        if (names == null) {
            if (count == null) {
                throw new IllegalArgumentException(root + " has no " + FILE + " or " + JSON_FILE
                        + " naming its classes: give the class count (numClasses)");
            }
            names = new ArrayList<>();
            for (int i = 0; i < count; i++) names.add("class" + i);
            return List.copyOf(names);
        }
        if (count != null && count != names.size()) {
            throw new IllegalArgumentException(root + " names " + names.size() + " classes, the settings say " + count);
        }
        return names;
    }

    /** The names of the classes file, or null when there is none. */
    public static List<String> read(Path root) throws IOException {
        Path txt = root.resolve(FILE), json = root.resolve(JSON_FILE);
        List<String> names = new ArrayList<>();
        if (Files.isRegularFile(txt)) {
            for (String line : Files.readAllLines(txt, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) names.add(line.strip());
            }
        } else if (Files.isRegularFile(json)) {
            JsonNode n = new ObjectMapper().readTree(json.toFile());
            if (n == null || !n.isArray()) throw new IllegalArgumentException(json + ": expected a JSON list of class names");
            n.forEach(v -> names.add(v.asText()));
        } else {
            return null;
        }
        if (names.isEmpty() || names.size() > SegmentationFolder.IGNORE) {
            throw new IllegalArgumentException(root + ": " + names.size() + " class names; a mask can index 1 to 255 classes");
        }
        return List.copyOf(names);
    }
}
