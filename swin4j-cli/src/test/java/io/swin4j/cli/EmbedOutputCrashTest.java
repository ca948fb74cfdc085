package io.swin4j.cli;

import io.swin4j.io.Npy;
import io.swin4j.io.Sha256Manifest;
import io.swin4j.io.SyncRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.swin4j.cli.PredictCommandTest.DIR;
import static io.swin4j.cli.PredictCommandTest.weights;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * `swin embed` replacing an earlier output, stopped dead after each step that reaches the device (the k-th force of
 * the write, through the sync seam: what is on disk then is what a crash there leaves). At every point a reader
 * either finds a complete pair, old or new (the manifest verifies, and paths and rows agree), or the manifest check
 * names the file that does not belong; never a pair that looks complete but mixes two runs.
 */
class EmbedOutputCrashTest {

    static final List<String> OLD = List.of("a_landscape.jpg", "b_portrait.png"), NEW = List.of("c_gray.png", "d_rgba.png", "e_small.bmp");

    static final class Crash extends RuntimeException {
        Crash() {
            super("simulated crash");
        }
    }

    static CliRun embed(Path out, List<String> names) throws Exception {
        List<String> args = new ArrayList<>(List.of("embed", "--weights", weights(), "--output", out.toString()));
        for (String n : names) args.add(DIR.resolve("images").resolve(n).toString());
        return CliRun.of(args.toArray(String[]::new));
    }

    static List<String> names(Path pathsTxt) throws IOException {
        return Files.readAllLines(pathsTxt).stream().map(p -> Path.of(p).getFileName().toString()).toList();
    }

    @Test
    void aCrashAtAnyPointLeavesTheOldPairTheNewPairOrAMismatchTheManifestNames(@TempDir Path tmp) throws Exception {
        int mismatches = 0;
        boolean finished = false;
        for (int k = 1; !finished; k++) {
            assertThat(k).as("more forces than a pair write has").isLessThan(20);
            Path dir = Files.createDirectories(tmp.resolve("k" + k));
            Path out = dir.resolve("emb.npy"), paths = dir.resolve("emb.paths.txt"), manifest = dir.resolve("emb.sha256");
            CliRun first = embed(out, OLD);
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(Sha256Manifest.verify(manifest)).containsExactly(out, paths);

            AtomicInteger forces = new AtomicInteger();
            int crashAt = k;
            CliRun second;
            try (SyncRecorder crash = new SyncRecorder(p -> {
                if (forces.incrementAndGet() == crashAt) throw new Crash();
                return "";
            })) {
                second = embed(out, NEW);
            }
            finished = forces.get() < crashAt;
            if (finished) assertThat(second.exit()).as(second.err()).isZero();
            else assertThat(second.err()).as("run stopped at force %d", k).contains("simulated crash");

            try (Stream<Path> s = Files.list(dir)) {
                // A temporary file is all a crash may add, and it is hidden (a dot file) from listings by name.
                assertThat(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")))
                        .containsExactlyInAnyOrder("emb.npy", "emb.paths.txt", "emb.sha256");
            }
            try {
                Sha256Manifest.verify(manifest);
                List<String> listed = names(paths);
                assertThat(listed).as("force %d", k).isIn(OLD, NEW);
                assertThat(Npy.read(out).shape()).as("force %d", k).containsExactly(listed.size(), 96);
                if (finished) assertThat(listed).isEqualTo(NEW);
            } catch (IOException e) {
                assertThat(finished).as("the completed run verifies: %s", e.getMessage()).isFalse();
                assertThat(e.getMessage()).as("force %d", k).containsAnyOf(out.toString(), paths.toString())
                        .contains("differs from " + manifest);
                mismatches++;
            }
        }
        assertThat(mismatches).as("crash points between the first and the last rename").isPositive();
    }

    @Test
    void csvIsReplacedWholeOrNotAtAll(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("emb.csv");
        assertThat(embed(csv, OLD).exit()).isZero();
        List<String> before = Files.readAllLines(csv);
        assertThat(before).hasSize(OLD.size());
        try (SyncRecorder crash = new SyncRecorder(p -> {
            throw new Crash();
        })) {
            assertThat(embed(csv, NEW).exit()).isEqualTo(1);
        }
        assertThat(Files.readAllLines(csv)).isEqualTo(before);
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("emb.csv");
        }
        assertThat(embed(csv, NEW).exit()).isZero();
        assertThat(Files.readAllLines(csv)).hasSize(NEW.size());
    }
}
