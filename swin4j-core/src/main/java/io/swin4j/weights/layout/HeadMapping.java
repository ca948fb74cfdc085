package io.swin4j.weights.layout;

import io.swin4j.tensor.HostTensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a 21841-class (ImageNet-22K) head into the 1000 ImageNet-1K classes by keeping the rows a mapping
 * names, as the official {@code load_pretrained} does with {@code data/map22kto1k.txt} (bundled).
 */
public final class HeadMapping {

    public static final int CLASSES_22K = 21841;
    public static final int CLASSES_1K = 1000;

    private HeadMapping() {}

    /** The official mapping: 1000 lines, line i = the 22K class index of 1K class i. */
    public static int[] official22kTo1k() {
        try (InputStream in = HeadMapping.class.getResourceAsStream("/io/swin4j/weights/map22kto1k.txt")) {
            if (in == null) throw new IllegalStateException("bundled map22kto1k.txt is missing from the jar");
            return parse(new String(in.readAllBytes(), StandardCharsets.US_ASCII), "bundled map22kto1k.txt");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled map22kto1k.txt", e);
        }
    }

    public static int[] read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    static int[] parse(String text, String source) {
        List<String> lines = text.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        if (lines.size() != CLASSES_1K) {
            throw new IllegalArgumentException(source + ": expected " + CLASSES_1K + " indices, one per line, found " + lines.size());
        }
        int[] idx = new int[CLASSES_1K];
        for (int i = 0; i < idx.length; i++) {
            try {
                idx[i] = Integer.parseInt(lines.get(i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": '" + lines.get(i) + "' is not an integer");
            }
            if (idx[i] < 0 || idx[i] >= CLASSES_22K) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + ": index " + idx[i] + " is outside 0.." + (CLASSES_22K - 1));
            }
        }
        return idx;
    }

    /** The weights with head.weight/head.bias reduced to the rows {@code indices} names, in that order. */
    public static Map<String, HostTensor> selectRows(Map<String, HostTensor> canonical, int[] indices) {
        HostTensor w = canonical.get("head.weight"), b = canonical.get("head.bias");
        if (w == null || b == null) throw new IllegalArgumentException("the weights have no classifier head to map");
        if (w.dim(0) != CLASSES_22K) {
            throw new IllegalArgumentException("head has " + w.dim(0) + " classes; mapping needs a " + CLASSES_22K + "-class head");
        }
        int cols = (int) w.dim(1);
        float[] nw = new float[indices.length * cols], nb = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(w.data(), indices[i] * cols, nw, i * cols, cols);
            nb[i] = b.data()[indices[i]];
        }
        Map<String, HostTensor> out = new LinkedHashMap<>(canonical);
        out.put("head.weight", new HostTensor(new long[] {indices.length, cols}, nw, w.sourceDType()));
        out.put("head.bias", new HostTensor(new long[] {indices.length}, nb, b.sourceDType()));
        return out;
    }
}
