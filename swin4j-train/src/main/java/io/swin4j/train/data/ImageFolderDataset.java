package io.swin4j.train.data;

import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * torchvision's {@code ImageFolder}: {@code root/<class>/**}, classes = sorted sub-directory names, files sorted,
 * only image extensions. Images are decoded with swin4j's Pillow-exact decoder when read.
 */
public final class ImageFolderDataset implements LabeledDataset {

    /** torchvision's IMG_EXTENSIONS. */
    public static final Set<String> EXTENSIONS = Set.of(".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp");

    private final Path root;
    private final List<String> classes;
    private final List<Path> files = new ArrayList<>();
    private final int[] labels;
    private final ImageDecoder decoder;

    public ImageFolderDataset(Path root, ImageDecoder decoder) throws IOException {
        this(root, null, decoder);
    }

    /**
     * @param classes the class list to use (e.g. the train split's, so that val indices agree); null: the
     *                sorted sub-directories of {@code root}
     */
    public ImageFolderDataset(Path root, List<String> classes, ImageDecoder decoder) throws IOException {
        if (!Files.isDirectory(root)) throw new NoSuchFileException(root.toString(), null, "not a directory of class folders");
        this.root = root;
        this.decoder = decoder;
        List<String> found;
        try (Stream<Path> s = Files.list(root)) {
            found = s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
        if (found.isEmpty()) throw new IOException(root + ": no class folders (expected root/<class>/<image>)");
        this.classes = classes == null ? found : List.copyOf(classes);
        List<Integer> labelList = new ArrayList<>();
        for (String name : found) {
            int label = this.classes.indexOf(name);
            if (label < 0) throw new IOException(root.resolve(name) + ": class '" + name + "' is not among the training classes " + this.classes);
            try (Stream<Path> s = Files.walk(root.resolve(name))) {
                for (Path f : s.filter(Files::isRegularFile).filter(ImageFolderDataset::isImage).sorted().toList()) {
                    files.add(f);
                    labelList.add(label);
                }
            }
        }
        if (files.isEmpty()) throw new IOException(root + ": the class folders hold no images (" + EXTENSIONS + ")");
        labels = labelList.stream().mapToInt(Integer::intValue).toArray();
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(n.substring(dot));
    }

    public Path root() { return root; }

    @Override public int size() { return files.size(); }

    @Override public List<String> classNames() { return classes; }

    @Override public int label(int index) { return labels[index]; }

    @Override public String source(int index) { return files.get(index).toString(); }

    @Override
    public RgbImage image(int index) throws IOException {
        return decoder.decode(files.get(index));
    }
}
