package io.swin4j.train.data;

import io.swin4j.vision.ImageDecoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Opens the datasets the commands name: {@code fashion-mnist} or an ImageNet-layout image {@code folder}. */
public final class Datasets {

    public static final List<String> KINDS = List.of("folder", "fashion-mnist");

    private Datasets() {}

    /**
     * @param data    the dataset root (for Fashion-MNIST null means $SWIN4J_DATA, then Debian's location)
     * @param split   "train", or "val"/"test" (the held-out split of either kind)
     * @param classes for a folder: the class list to index by (the training split's), or null for its own
     */
    public static LabeledDataset open(String kind, Path data, String split, List<String> classes, ImageDecoder decoder) throws IOException {
        boolean train = switch (split.toLowerCase(Locale.ROOT)) {
            case "train" -> true;
            case "val", "test" -> false;
            default -> throw new IllegalArgumentException("unknown split '" + split + "'; use train, val or test");
        };
        switch (kind) {
            case "fashion-mnist" -> {
                Path dir = FashionMnist.locate(data);
                return train ? new FashionMnistDataset(FashionMnist.train(dir), "fashion-mnist train")
                        : new FashionMnistDataset(FashionMnist.test(dir), "fashion-mnist test");
            }
            case "folder" -> {
                if (data == null) throw new IllegalArgumentException("an image-folder dataset needs its root directory (--data)");
                Path dir = folderSplit(data, train);
                return new ImageFolderDataset(dir, classes, decoder);
            }
            default -> throw new IllegalArgumentException("unknown dataset kind '" + kind + "'; known: " + KINDS);
        }
    }

    /** root/train or root/val (root/test also accepted for the held-out split). */
    static Path folderSplit(Path root, boolean train) throws NoSuchFileException {
        if (!Files.isDirectory(root)) throw new NoSuchFileException(root.toString(), null, "dataset root is not a directory");
        for (String name : train ? List.of("train") : List.of("val", "test")) {
            Path p = root.resolve(name);
            if (Files.isDirectory(p)) return p;
        }
        throw new NoSuchFileException(root.resolve(train ? "train" : "val").toString(), null,
                "missing split directory (expected the ImageNet layout root/train/<class>/..., root/val/<class>/...)");
    }
}
