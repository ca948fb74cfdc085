package io.swin4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.train.dist.Collectives;
import io.swin4j.train.dist.Distributed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The start of a data-parallel run, where the ranks must take every decision together: a step that fails on one rank
 * fails on all (instead of leaving the others waiting in the next collective), naming the rank; rank 0's settings
 * and checkpoint are sent to the others. With one process each step simply runs.
 */
final class DistributedStart {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DistributedStart() {}

    interface Step<T> {
        T call() throws IOException;
    }

    /** Runs {@code step} on every rank; if it failed anywhere, every rank fails (undoing its own result), naming the ranks. */
    static <T> T agree(Collectives dist, String what, Step<T> step, Consumer<T> undo) throws IOException {
        T result = null;
        Exception own = null;
        try {
            result = step.call();
        } catch (IOException | RuntimeException e) {
            own = e;
        }
        if (dist.worldSize() == 1) return rethrowOr(own, result);
        double[] failed = new double[dist.worldSize()];
        failed[dist.rank()] = own == null ? 0 : 1;
        failed = dist.allReduceSum(failed);
        List<Integer> ranks = new ArrayList<>();
        for (int r = 0; r < failed.length; r++) if (failed[r] > 0) ranks.add(r);
        if (own == null && !ranks.isEmpty()) {
            if (result != null && undo != null) undo.accept(result);
            throw new IllegalStateException(dist.distributed().label() + ": " + Distributed.ranks(ranks) + " could not " + what + " (see " + (ranks.size() > 1 ? "their logs" : "its log") + "); every rank stops");
        }
        return rethrowOr(own, result);
    }

    static <T> T agree(Collectives dist, String what, Step<T> step) throws IOException {
        return agree(dist, what, step, null);
    }

    /** Rank 0 runs {@code step}; its bytes (or its failure, as an error on every rank) reach every rank. */
    static byte[] fromMain(Collectives dist, String what, Step<byte[]> step) throws IOException {
        if (dist.worldSize() == 1) return step.call();
        byte[] payload = null;
        Exception own = null;
        if (dist.rank() == 0) {
            try {
                payload = step.call();
            } catch (IOException | RuntimeException e) {
                own = e;
            }
        }
        byte[] status = dist.broadcastBytes(dist.rank() == 0
                ? (own == null ? "" : what + ": " + own.getMessage()).getBytes(StandardCharsets.UTF_8) : null);
        if (own != null) return rethrowOr(own, null);
        if (status.length > 0) throw new IllegalStateException("rank 0 could not " + new String(status, StandardCharsets.UTF_8));
        return dist.broadcastBytes(payload);
    }

    /** A checkpoint to resume from: rank 0's own, or on the other ranks a private copy of it. */
    record Checkpoint(Path config, Path dir, Path copy) {
        void deleteCopy() throws IOException {
            if (copy != null) RunDirectory.deleteTree(copy);
        }
    }

    /**
     * The settings file and the checkpoint {@code locate} finds on rank 0; the other ranks receive copies of their
     * files (a run directory on rank 0's machine is enough; nothing needs to be shared).
     */
    static Checkpoint checkpoint(Collectives dist, Path runDir, Step<Path> locate) throws IOException {
        Path[] found = new Path[1];
        byte[] header = fromMain(dist, "resume " + runDir, () -> {
            found[0] = locate.call();
            List<String> files = new ArrayList<>();
            try (var s = Files.list(found[0])) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) files.add(p.getFileName().toString());
            }
            return JSON.writeValueAsBytes(Map.of("name", found[0].getFileName().toString(), "files", files));
        });
        if (dist.worldSize() == 1) return new Checkpoint(runDir.resolve(RunDirectory.CONFIG_FILE), found[0], null);
        Map<?, ?> h = JSON.readValue(header, Map.class);
        Path copy = dist.rank() == 0 ? null : Files.createTempDirectory("swin4j-rank" + dist.rank() + "-resume");
        try {
            Path config = receive(dist, runDir.resolve(RunDirectory.CONFIG_FILE), copy);
            Path dir = dist.rank() == 0 ? found[0] : Files.createDirectories(copy.resolve(String.valueOf(h.get("name"))));
            for (Object f : (List<?>) h.get("files")) receive(dist, (dist.rank() == 0 ? found[0] : dir).resolve(String.valueOf(f)), copy == null ? null : dir);
            return new Checkpoint(config, dir, copy);
        } catch (IOException | RuntimeException e) {
            if (copy != null) RunDirectory.deleteTree(copy);
            throw e;
        }
    }

    /** Rank 0 sends {@code file}; another rank writes it into {@code into} (returns where each rank has it). */
    private static Path receive(Collectives dist, Path file, Path into) throws IOException {
        byte[] bytes = dist.broadcastBytes(dist.rank() == 0 ? readAll(file) : null);
        if (dist.rank() == 0) return file;
        Path target = into.resolve(file.getFileName().toString());
        Files.write(target, bytes);
        return target;
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T, E extends Exception> T rethrowOr(Exception e, T result) throws IOException {
        if (e == null) return result;
        if (e instanceof IOException io) throw io;
        throw (RuntimeException) e;
    }
}
