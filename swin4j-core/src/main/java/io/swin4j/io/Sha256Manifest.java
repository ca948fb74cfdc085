package io.swin4j.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A manifest of files written together, in the format of {@code sha256sum} ({@code <hex>  <name>} per line, names
 * relative to the manifest's directory): {@code cd DIR && sha256sum -c OUT.sha256} checks it, as does {@link #verify}.
 * Written last, atomically, it marks a set of files as one complete write: after a crash in the middle, a file that
 * does not match it (or a missing manifest) shows that the set is not from one run.
 */
public final class Sha256Manifest {

    private Sha256Manifest() {}

    /** The SHA-256 of a file's content, in lower-case hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Writes (atomically, durably) the manifest of {@code files}, which lie in the manifest's directory. */
    public static void write(Path manifest, List<Path> files) throws IOException {
        StringBuilder sb = new StringBuilder();
        Path dir = manifest.toAbsolutePath().getParent();
        for (Path f : files) {
            if (!f.toAbsolutePath().getParent().equals(dir)) {
                throw new IllegalArgumentException(f + ": not in the directory of the manifest " + manifest);
            }
            String name = f.getFileName().toString();
            if (name.contains("\n") || name.contains("\\")) {
                throw new IllegalArgumentException(f + ": a name with a newline or backslash cannot be listed in " + manifest);
            }
            sb.append(sha256(f)).append("  ").append(name).append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(manifest, out -> out.write(bytes));
    }

    /**
     * Checks every file the manifest lists; returns them. Throws an IOException naming the first file that is
     * missing or differs, or the manifest when it is missing or malformed.
     */
    public static List<Path> verify(Path manifest) throws IOException {
        if (!Files.isRegularFile(manifest)) {
            throw new NoSuchFileException(manifest.toString(), null, "no manifest: the files beside it are not a complete write");
        }
        Path dir = manifest.toAbsolutePath().getParent();
        List<Path> files = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.length() < 67 || !line.substring(0, 64).matches("[0-9a-f]{64}") || !line.startsWith("  ", 64)) {
                throw new IOException(manifest + ": line " + lineNo + " is not '<sha256>  <name>'");
            }
            Path f = dir.resolve(line.substring(66));
            if (!f.getParent().equals(dir)) throw new IOException(manifest + ": line " + lineNo + " names a file elsewhere");
            if (!Files.isRegularFile(f)) throw new NoSuchFileException(f.toString(), null, "missing, but listed in " + manifest);
            String actual = sha256(f);
            if (!actual.equals(line.substring(0, 64))) {
                throw new IOException(f + ": content differs from " + manifest + " (SHA-256 " + actual + ", listed "
                        + line.substring(0, 64) + "): the files are not from one complete write (interrupted, or changed since)");
            }
            files.add(f);
        }
        return files;
    }
}
