package io.swin4j.io;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What a crash can observe of an atomic write: the order in which content, rename and directory reach the device
 * (recorded through the sync seam at the moment each force happens), and the files left after a failing writer.
 */
class AtomicFilesTest {

    private final List<String> events = new ArrayList<>();

    @AfterEach
    void resetSeam() {
        AtomicFiles.syncObserver = p -> {};
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "<absent>";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theContentIsForcedBeforeTheRenameAndTheDirectoryAfterIt(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("out.json");
        Files.writeString(target, "old");
        AtomicFiles.syncObserver = p -> {
            // At each force: which path, and what a reader of the target sees at that moment.
            String what = p.equals(dir.toAbsolutePath()) ? "dir" : p.getFileName().toString().endsWith(".tmp") ? "tmp=" + read(p) : "file " + p;
            events.add(what + " target=" + read(target));
        };
        AtomicFiles.write(target, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));
        // Without the file force the first event is missing (a power cut could leave the renamed file empty);
        // without the directory force the second is missing (the rename could be lost while older files are deleted).
        assertThat(events).containsExactly("tmp=new target=old", "dir target=new");
        assertThat(Files.readString(target)).isEqualTo("new");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("out.json");
        }
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTemporary(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("out.bin");
        Files.writeString(target, "old");
        assertThatThrownBy(() -> AtomicFiles.write(target, out -> {
            out.write(new byte[1000]);
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(Files.readString(target)).isEqualTo("old");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("out.bin");
        }
    }

    @Test
    void aPendingWriteReplacesTheTargetOnlyOnCommit(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("emb.csv");
        Files.writeString(target, "old");
        try (AtomicFiles.Pending p = AtomicFiles.begin(target)) {
            p.stream().write("half".getBytes(StandardCharsets.UTF_8));
            p.stream().flush();
            assertThat(Files.readString(target)).isEqualTo("old");
        } // no commit: an interrupted stream of results
        assertThat(Files.readString(target)).isEqualTo("old");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("emb.csv");
        }
        try (AtomicFiles.Pending p = AtomicFiles.begin(target)) {
            p.stream().write("new".getBytes(StandardCharsets.UTF_8));
            p.commit();
        }
        assertThat(Files.readString(target)).isEqualTo("new");
    }

    @Test
    void syncTreeForcesEveryFileThenEveryDirectoryBottomUp(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("ckpt");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("a.bin"), "a");
        Files.writeString(root.resolve("sub/b.bin"), "b");
        AtomicFiles.syncObserver = p -> events.add(root.relativize(p).toString());
        AtomicFiles.syncTree(root);
        assertThat(events).containsExactly("sub/b.bin", "a.bin", "sub", "");
    }

    @Test
    void moveReplacesTheTargetAndForcesItsDirectory(@TempDir Path dir) throws IOException {
        Path src = dir.resolve(".new.tmp"), target = dir.resolve("latest.json");
        Files.writeString(src, "new");
        Files.writeString(target, "old");
        AtomicFiles.syncObserver = p -> events.add(p + " target=" + read(target));
        AtomicFiles.move(src, target);
        assertThat(events).containsExactly(dir.toAbsolutePath() + " target=new");
        assertThat(src).doesNotExist();
    }

    @Test
    void forcingAMissingFileNamesIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.bin");
        assertThatThrownBy(() -> AtomicFiles.sync(missing)).isInstanceOf(IOException.class).hasMessageContaining(missing.toString());
    }
}
