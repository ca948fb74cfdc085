package io.swin4j.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Class names and palettes for segmentation checkpoints that name none: ADE20K's 150 classes and palette (mmseg's
 * {@code ADE20KDataset.METAINFO}, bundled as {@code ade20k.json}), and a deterministic palette for any other count
 * (the PASCAL VOC colour map: class i's bits spread over the high bits of R, G and B).
 */
public final class SegmentationClasses {

    public static final int ADE20K_CLASSES = 150;

    private static volatile Ade ade;

    private record Ade(List<String> names, int[][] palette) {}

    private SegmentationClasses() {}

    /** ADE20K's 150 class names, in mmseg's order (index = label). */
    public static List<String> ade20kNames() { return ade().names; }

    /** ADE20K's palette, one RGB triple per class. */
    public static int[][] ade20kPalette() {
        int[][] p = ade().palette, copy = new int[p.length][];
        for (int i = 0; i < p.length; i++) copy[i] = p[i].clone();
        return copy;
    }

    /** The PASCAL VOC colour map for {@code n} classes (class 0 black): {@link io.swin4j.vision.Palette#voc}. */
    public static int[][] vocPalette(int n) {
        return io.swin4j.vision.Palette.voc(n).colors().toArray(int[][]::new);
    }

    private static Ade ade() {
        Ade a = ade;
        if (a != null) return a;
        try (InputStream in = SegmentationClasses.class.getResourceAsStream("/io/swin4j/weights/ade20k.json")) {
            if (in == null) throw new IllegalStateException("bundled ade20k.json is missing from the jar");
            JsonNode root = new ObjectMapper().readTree(in);
            List<String> names = new ArrayList<>();
            root.get("classes").forEach(n -> names.add(n.asText()));
            int[][] palette = new int[root.get("palette").size()][3];
            for (int i = 0; i < palette.length; i++) {
                for (int ch = 0; ch < 3; ch++) palette[i][ch] = root.get("palette").get(i).get(ch).asInt();
            }
            if (names.size() != ADE20K_CLASSES || palette.length != ADE20K_CLASSES) {
                throw new IllegalStateException("bundled ade20k.json does not hold 150 classes");
            }
            ade = a = new Ade(List.copyOf(names), palette);
            return a;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled ade20k.json", e);
        }
    }
}
