package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.io.AtomicFiles;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training run's directory as every trainer keeps it: the settings file, the metrics logs appended as the run goes
 * ({@code metrics.jsonl}, {@code metrics.csv}), and crash-safe checkpoints in {@code checkpoints/<name>/} with
 * {@code checkpoints/latest.json} naming the current one.
 */
public final class RunDirectory {

    public static final String CONFIG_FILE = "train-config.json", METRICS_JSONL = "metrics.jsonl", METRICS_CSV = "metrics.csv",
            CURVES = "curves.png", MODEL = "model.safetensors", BEST = "best.safetensors", CHECKPOINTS = "checkpoints",
            LATEST = "latest.json", STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes a checkpoint's files into the (temporary) directory it is given. */
    @FunctionalInterface
    public interface CheckpointContents {
        void write(Path dir) throws IOException;
    }

    private final Path dir;

    public RunDirectory(Path dir) {
        this.dir = dir;
    }

    public Path dir() { return dir; }

    public Path resolve(String name) { return dir.resolve(name); }

    /**
     * Writes a checkpoint so that a crash or power cut at any point leaves a complete one that {@code latest.json}
     * names: {@code contents} go into a temporary directory that is forced to the device, renamed to {@code name}
     * (directory forced), then the pointer is replaced atomically (forced); only then are older checkpoints and
     * leftovers of interrupted saves deleted. Contents that record how much of the metrics logs belong to the
     * checkpoint take those sizes from {@link #syncedSize}.
     */
    public void saveCheckpoint(String name, CheckpointContents contents) throws IOException {
        Path checkpoints = dir.resolve(CHECKPOINTS);
        Files.createDirectories(checkpoints);
        AtomicFiles.syncDirectory(dir);
        Path tmp = checkpoints.resolve("." + name + ".tmp");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        contents.write(tmp);
        AtomicFiles.syncTree(tmp);
        Path target = checkpoints.resolve(name);
        Path current = latestCheckpoint();
        if (target.equals(current)) {
            // Cannot happen (a checkpoint follows at least one step), and would delete the only good checkpoint.
            throw new IllegalStateException(target + ": a checkpoint of this name is the current one");
        }
        deleteTree(target); // a leftover of a crash between its rename and the pointer: never named by latest.json
        AtomicFiles.move(tmp, target);
        byte[] pointer = JSON.writeValueAsBytes(Map.of("checkpoint", name));
        AtomicFiles.write(checkpoints.resolve(LATEST), out -> out.write(pointer));
        // The pointer durably names the new checkpoint: older ones (and leftovers of interrupted saves) can go.
        try (Stream<Path> s = Files.list(checkpoints)) {
            for (Path p : s.filter(Files::isDirectory).filter(p -> !p.equals(target)).toList()) deleteTree(p);
        }
    }

    /** The checkpoint {@code checkpoints/latest.json} names; null when there is none yet. */
    public Path latestCheckpoint() throws IOException {
        Path latest = dir.resolve(CHECKPOINTS).resolve(LATEST);
        if (!Files.isRegularFile(latest)) return null;
        JsonNode name = JSON.readTree(latest.toFile()).get("checkpoint");
        if (name == null || !name.isTextual() || name.asText().isEmpty() || name.asText().contains("/")
                || name.asText().contains("\\") || name.asText().startsWith(".")) {
            throw new IOException(latest + ": no checkpoint name in it (expected {\"checkpoint\": \"epochNNNN-batchNNNNNN\"})");
        }
        return dir.resolve(CHECKPOINTS).resolve(name.asText());
    }

    /** The size of an appended file of the run, after forcing it to the device (0 when it does not exist yet). */
    public long syncedSize(String file) throws IOException {
        Path p = dir.resolve(file);
        if (!Files.exists(p)) return 0;
        AtomicFiles.sync(p);
        return Files.size(p);
    }

    /** Cuts an appended file back to what a checkpoint recorded of it (nothing to do when it does not exist). */
    public void truncate(String file, long bytes) throws IOException {
        Path p = dir.resolve(file);
        if (!Files.exists(p)) return;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            if (f.length() > bytes) f.setLength(bytes);
        }
    }

    /** Appends one JSON line to {@code metrics.jsonl} (give a map with a fixed key order: a LinkedHashMap). */
    public void appendJsonl(Map<String, Object> record) throws IOException {
        Files.writeString(dir.resolve(METRICS_JSONL), JSON.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Appends one row to {@code metrics.csv}, writing {@code header} first when the file is new or empty. */
    public void appendCsv(String header, String row) throws IOException {
        Path p = dir.resolve(METRICS_CSV);
        String text = (!Files.exists(p) || Files.size(p) == 0 ? header + "\n" : "") + row + "\n";
        Files.writeString(p, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The records of {@code metrics.jsonl} whose {@code event} is {@code event}, in order (none without the file). */
    public List<JsonNode> readJsonl(String event) throws IOException {
        Path p = dir.resolve(METRICS_JSONL);
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(p)) return out;
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            JsonNode n = JSON.readTree(line);
            if (n.path("event").asText().equals(event)) out.add(n);
        }
        return out;
    }

    /** A number for a CSV cell: empty for NaN/inf. */
    public static String csvNumber(double v) {
        return Double.isFinite(v) ? String.valueOf(v) : "";
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    /**
     * Stops a run whose loss is not finite: throws {@link Trainer.DivergedException} saying where, whether a checkpoint
     * is kept, and what to try.
     */
    public void checkFinite(double loss, String where, boolean hasCheckpoint, String hint) {
        if (Double.isFinite(loss)) return;
        throw new Trainer.DivergedException("the loss became " + loss + " at " + where + "; training stopped. "
                + (hasCheckpoint ? "The last good checkpoint is kept in " + dir.resolve(CHECKPOINTS) + "." : "No checkpoint was written yet.")
                + " " + hint);
    }
}
