package io.swin4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The manifest that marks files written together: sha256sum's format, and a check that names what differs. */
class Sha256ManifestTest {

    // FIPS 180-2 test vectors: SHA-256("abc") and SHA-256("").
    static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void writesSha256sumLinesAndVerifiesThem(@TempDir Path dir) throws IOException {
        Path a = Files.writeString(dir.resolve("emb.npy"), "abc"), b = Files.writeString(dir.resolve("emb.paths.txt"), "");
        Path manifest = dir.resolve("emb.sha256");
        Sha256Manifest.write(manifest, List.of(a, b));
        assertThat(Files.readString(manifest)).isEqualTo(ABC + "  emb.npy\n" + EMPTY + "  emb.paths.txt\n");
        assertThat(Sha256Manifest.verify(manifest)).containsExactly(a, b);
    }

    @Test
    void aFileFromAnotherWriteIsNamed(@TempDir Path dir) throws IOException {
        Path a = Files.writeString(dir.resolve("emb.npy"), "abc"), b = Files.writeString(dir.resolve("emb.paths.txt"), "x\n");
        Path manifest = dir.resolve("emb.sha256");
        Sha256Manifest.write(manifest, List.of(a, b));
        Files.writeString(b, "y\n");
        assertThatThrownBy(() -> Sha256Manifest.verify(manifest)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(b + ": content differs from " + manifest);
        Files.delete(b);
        assertThatThrownBy(() -> Sha256Manifest.verify(manifest)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(b.toString()).hasMessageContaining("missing, but listed in " + manifest);
    }

    @Test
    void aMissingOrMalformedManifestIsNamed(@TempDir Path dir) throws IOException {
        Path manifest = dir.resolve("emb.sha256");
        assertThatThrownBy(() -> Sha256Manifest.verify(manifest)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(manifest.toString()).hasMessageContaining("not a complete write");
        Files.writeString(manifest, ABC + "  ../elsewhere.npy\n");
        assertThatThrownBy(() -> Sha256Manifest.verify(manifest)).hasMessage(manifest + ": line 1 names a file elsewhere");
        Files.writeString(manifest, "nonsense\n");
        assertThatThrownBy(() -> Sha256Manifest.verify(manifest)).hasMessage(manifest + ": line 1 is not '<sha256>  <name>'");
    }
}
