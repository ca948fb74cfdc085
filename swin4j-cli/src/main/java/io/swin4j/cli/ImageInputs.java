package io.swin4j.cli;

import io.swin4j.pipeline.ImageSource;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** Expands command-line image arguments: files as given, directories recursively, globs (when the shell did not). */
final class ImageInputs {

    /** Extensions picked up inside directories; files named explicitly are always tried. */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp");

    private ImageInputs() {}

    static List<Path> expand(List<String> args) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String arg : args) {
            if (arg.contains("*") || arg.contains("?") || arg.contains("[")) {
                out.addAll(glob(arg));
                continue;
            }
            Path p = Path.of(arg);
            if (Files.isDirectory(p)) {
                // A directory named through a symbolic link is walked where it points, its files named under the link.
                Path root = Files.isSymbolicLink(p) ? p.toRealPath() : p;
                try (Stream<Path> s = Files.walk(root)) {
                    s.filter(Files::isRegularFile).filter(ImageInputs::looksLikeImage).sorted()
                            .forEach(f -> out.add(root == p ? f : p.resolve(root.relativize(f))));
                }
            } else {
                out.add(p); // a missing file is reported by the run, with the others going on
            }
        }
        return out;
    }

    /** The files as the pipeline's image sources. */
    static List<ImageSource> sources(List<Path> files) {
        List<ImageSource> out = new ArrayList<>(files.size());
        for (Path f : files) out.add(ImageSource.file(f));
        return out;
    }

    private static List<Path> glob(String pattern) throws IOException {
        int firstMeta = pattern.length();
        for (char c : new char[] {'*', '?', '['}) {
            int i = pattern.indexOf(c);
            if (i >= 0) firstMeta = Math.min(firstMeta, i);
        }
        int slash = pattern.lastIndexOf('/', firstMeta);
        Path root = slash < 0 ? Path.of(".") : Path.of(slash == 0 ? "/" : pattern.substring(0, slash));
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(Files::isRegularFile)
                    .filter(p -> m.matches(slash < 0 ? root.relativize(p) : p))
                    .sorted().forEach(out::add);
        }
        return out;
    }

    private static boolean looksLikeImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
