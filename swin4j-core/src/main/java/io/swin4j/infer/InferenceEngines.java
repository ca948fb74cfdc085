package io.swin4j.infer;

import io.swin4j.model.SwinTransformer;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** The engines a predictor can run on: libtorch, built in, and those found on the class path. */
public final class InferenceEngines {

    /** The default engine, and the only one that trains. */
    public static final String LIBTORCH = "libtorch";

    private InferenceEngines() {}

    /** The names of every available engine, sorted. */
    public static List<String> available() {
        TreeSet<String> names = new TreeSet<>();
        names.add(LIBTORCH);
        for (InferenceEngineProvider p : ServiceLoader.load(InferenceEngineProvider.class)) names.add(p.name());
        return new ArrayList<>(names);
    }

    /**
     * The engine {@code name} over {@code model} (which it then owns).
     *
     * @throws IllegalArgumentException for an unknown name, listing the available ones (the model is closed)
     */
    public static InferenceEngine open(String name, SwinTransformer model, int height, int width, int threads) {
        if (LIBTORCH.equals(name)) return new LibtorchEngine(model);
        for (InferenceEngineProvider p : ServiceLoader.load(InferenceEngineProvider.class)) {
            if (p.name().equals(name)) return p.open(model, height, width, threads);
        }
        model.close();
        throw unknown(name);
    }

    /**
     * Checks {@code name} before anything is loaded (e.g. on a Spark driver, for its executors).
     *
     * @throws IllegalArgumentException for an unknown name, listing the available ones
     */
    public static void requireAvailable(String name) {
        if (!available().contains(name)) throw unknown(name);
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown inference engine '" + name + "'; available: "
                + String.join(", ", available()) + (name.equals("onnxruntime")
                ? " (onnxruntime needs swin4j-onnx on the class path)" : ""));
    }

    /** Row-wise softmax of (rows, n) logits, in double then rounded, as the engines without one of their own use. */
    static float[] softmaxRows(float[] logits, int rows) {
        int n = logits.length / rows;
        float[] out = new float[logits.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) max = Math.max(max, logits[r * n + i]);
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.exp(logits[r * n + i] - max);
            for (int i = 0; i < n; i++) out[r * n + i] = (float) (Math.exp(logits[r * n + i] - max) / sum);
        }
        return out;
    }

    /** The softmax of (rows, n) logits as a host tensor. */
    public static io.swin4j.tensor.HostTensor probabilities(float[] logits, int rows) {
        return io.swin4j.tensor.HostTensor.of(softmaxRows(logits, rows), rows, logits.length / rows);
    }
}
