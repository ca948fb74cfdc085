package io.swin4j.train;

import io.swin4j.io.SyncRecorder;
import io.swin4j.testing.SyntheticImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static io.swin4j.train.TrainerTest.stepLines;
import static io.swin4j.train.TrainerTest.weights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * kill -9 of a child JVM running the real trainer while it writes a checkpoint, then a resume: the run ends exactly
 * as one that was never killed (weights, EMA, every logged step). The child holds still at a chosen point of its
 * second checkpoint (through the sync seam of AtomicFiles, at the moment that point's data reached the device), so
 * each point is hit every time instead of by a race; the kill itself is a real SIGKILL (exit status 137).
 */
class CheckpointCrashTest {

    static final String FIRST = "epoch0001-batch000000", SECOND = "epoch0002-batch000000", LAST = "epoch0003-batch000000";
    static final String MARKER = "kill-point-reached";

    /** Where in the second checkpoint's save the child is killed. */
    enum KillPoint {
        /** Its files are being written into the temporary directory (the model's is on the device, the rest not yet). */
        WRITING_TEMPORARY,
        /** It has its final name, but latest.json still names the first checkpoint. */
        RENAMED_BEFORE_POINTER,
        /** latest.json names it; the first checkpoint is not deleted yet. */
        POINTER_BEFORE_CLEANUP;

        boolean reached(Path synced, Path checkpoints) throws IOException {
            Path latest = checkpoints.resolve(Trainer.LATEST);
            String pointer = Files.exists(latest) ? Files.readString(latest) : "";
            return switch (this) {
                case WRITING_TEMPORARY -> synced.getParent().getFileName().toString().equals("." + SECOND + ".tmp");
                case RENAMED_BEFORE_POINTER -> synced.equals(checkpoints) && Files.isDirectory(checkpoints.resolve(SECOND))
                        && pointer.contains(FIRST);
                case POINTER_BEFORE_CLEANUP -> synced.equals(checkpoints) && pointer.contains(SECOND)
                        && Files.isDirectory(checkpoints.resolve(FIRST));
            };
        }

        /** The checkpoint a resume continues from: the second one once latest.json names it. */
        String resumedFrom() {
            return this == POINTER_BEFORE_CLEANUP ? SECOND : FIRST;
        }
    }

    @TempDir
    static Path shared;
    static Path data, straight;

    /** TrainerTest's tiny Swin with every augmentation, for three epochs: checkpoints after epochs 1, 2 and 3. */
    static TrainConfig config(Path data) {
        TrainConfig c = TrainerTest.config(data);
        c.epochs = 3;
        return c;
    }

    @BeforeAll
    static void uninterruptedRun() throws IOException {
        data = SyntheticImages.imageFolder(shared.resolve("data"), 2, 12, 4, 28, 1);
        straight = shared.resolve("straight");
        try (Trainer t = Trainer.start(config(data), straight, null)) {
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }
    }

    /** The child JVM: trains a new run and stops dead at the kill point, telling the parent through a marker file. */
    public static void main(String[] args) throws IOException {
        Path run = Path.of(args[0]);
        Path checkpoints = run.toAbsolutePath().resolve(Trainer.CHECKPOINTS);
        KillPoint point = KillPoint.valueOf(args[2]);
        try (SyncRecorder hold = new SyncRecorder(p -> {
            try {
                if (point.reached(p, checkpoints)) {
                    Files.writeString(run.resolve(MARKER), p.toString());
                    while (true) LockSupport.park(); // until kill -9
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return "";
        }); Trainer t = Trainer.start(config(Path.of(args[1])), run, null)) {
            t.run();
        }
        System.err.println("the run ended without reaching " + point);
        System.exit(3);
    }

    @ParameterizedTest
    @EnumSource(KillPoint.class)
    void aRunKilledWhileCheckpointingResumesToTheUninterruptedResult(KillPoint point, @TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run"), log = tmp.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), CheckpointCrashTest.class.getName(),
                run.toString(), data.toString(), point.name())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!Files.exists(run.resolve(MARKER))) {
                assertThat(child.isAlive()).as("child ended before %s: %s", point, log).isTrue();
                assertThat(System.nanoTime()).as("child did not reach %s in 2 minutes", point).isLessThan(deadline);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        } finally {
            child.destroyForcibly(); // SIGKILL
        }
        assertThat(child.waitFor()).as("exit status of a SIGKILL").isEqualTo(128 + 9);

        Path checkpoints = run.resolve(Trainer.CHECKPOINTS);
        assertThat(Files.readString(checkpoints.resolve(Trainer.LATEST))).contains(point.resumedFrom());
        assertThat(checkpoints.resolve(point.resumedFrom()).resolve("state.json")).isRegularFile();
        try (Trainer t = Trainer.resume(run, null)) {
            assertThat(t.completedEpochs()).isEqualTo(point.resumedFrom().equals(FIRST) ? 1 : 2);
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }

        assertThat(weights(run.resolve(Trainer.MODEL))).isEqualTo(weights(straight.resolve(Trainer.MODEL)));
        assertThat(weights(checkpoints.resolve(LAST).resolve("ema.safetensors")))
                .isEqualTo(weights(straight.resolve(Trainer.CHECKPOINTS).resolve(LAST).resolve("ema.safetensors")));
        assertThat(stepLines(run)).isEqualTo(stepLines(straight)).hasSize(9); // byte for byte, across JVMs
        assertThat(Files.readAllLines(run.resolve(Trainer.METRICS_CSV))).hasSize(1 + 3);
        try (Stream<Path> s = Files.list(checkpoints)) {
            // The interrupted save's leftovers are gone with the older checkpoints.
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(List.of(LAST, Trainer.LATEST));
        }
    }

    @Test
    void aPointerToAnIncompleteOrForeignCheckpointIsNamed(@TempDir Path run) throws IOException {
        config(data).write(run.resolve(Trainer.CONFIG_FILE));
        Path checkpoints = Files.createDirectories(run.resolve(Trainer.CHECKPOINTS).resolve(FIRST)).getParent();
        Path latest = checkpoints.resolve(Trainer.LATEST);
        Files.writeString(latest, "{\"checkpoint\": \"" + FIRST + "\"}");
        assertThatThrownBy(() -> Trainer.resume(run, null)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(checkpoints.resolve(FIRST).resolve("state.json").toString()).hasMessageContaining("incomplete");
        Files.writeString(latest, "{\"checkpoint\": \"../elsewhere\"}");
        assertThatThrownBy(() -> Trainer.resume(run, null)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(latest + ": no checkpoint name in it");
    }
}
