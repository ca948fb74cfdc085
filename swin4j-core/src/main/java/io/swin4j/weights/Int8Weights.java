package io.swin4j.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.Quantization;
import io.swin4j.model.SwinTransformer;
import io.swin4j.quant.QParams;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.Checkpoint;
import io.swin4j.weights.io.CheckpointFormatException;
import io.swin4j.weights.io.Safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The int8 model file ({@code swin quantize}): canonical safetensors with the model card, where each quantized layer
 * {@code L} holds {@code L.weight} as I8 (int8, symmetric, per output channel, zero points 0), {@code L.weight_scale}
 * (F32, one per output channel) and, for calibrated activations, {@code L.input_scale} (F32 [1]) and
 * {@code L.input_zero_point} (I32 [1], uint8 in the reduced range [0, 127]); every other parameter is F32. The
 * metadata key {@value #META} says how the model was quantized.
 *
 * <p>At the loader's edge the file becomes what every other file is, canonical fp32 tensors (each int8 weight times
 * its scales, exactly the values the kernel multiplies by), plus a {@link State} that re-quantizes them to the same
 * int8 values when the model is built.
 */
public final class Int8Weights {

    /** Safetensors metadata key of an int8 file. */
    public static final String META = "swin4j.quantization";
    static final String SCALE = ".weight_scale", INPUT_SCALE = ".input_scale", INPUT_ZERO_POINT = ".input_zero_point";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Int8Weights() {}

    /**
     * How a saved model is quantized.
     *
     * @param info what the file records about its making (calibration method, images, source), for inspect
     */
    public record State(Quantization spec, Map<String, float[]> weightScales, Map<String, QParams> inputs,
                        Map<String, Object> info) {
        public State {
            weightScales = Collections.unmodifiableMap(new LinkedHashMap<>(weightScales));
            inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
            info = Collections.unmodifiableMap(new LinkedHashMap<>(info));
        }

        /** Quantizes {@code model} (built from the dequantized weights) back to the saved int8 values. */
        public SwinTransformer applyTo(SwinTransformer model) {
            return model.quantize(spec, inputs, weightScales);
        }
    }

    /** A checkpoint's tensors as canonical fp32 plus the int8 state; state null for a file that is not int8. */
    record Split(Map<String, HostTensor> tensors, State state) {}

    /** Writes {@code model} (int8) with {@code card} and {@code info} (e.g. the calibration) in the metadata. */
    public static void save(Path out, ModelCard card, SwinTransformer model, Map<String, Object> info) throws IOException {
        Map<String, SwinTransformer.Int8Layer> layers = model.int8Layers();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        Map<String, String> dtypes = new LinkedHashMap<>();
        // Copied one by one: a quantized layer's fp32 weight is a released placeholder, never read back.
        model.parameters().asMap().forEach((name, t) -> {
            String layer = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
            SwinTransformer.Int8Layer q = layer == null ? null : layers.get(layer);
            if (q == null) {
                tensors.put(name, Tensors.toHost(t));
                return;
            }
            tensors.put(name, q.weight());
            dtypes.put(name, "I8");
            tensors.put(layer + SCALE, HostTensor.of(q.weightScales(), q.weightScales().length));
            if (q.input() != null) {
                tensors.put(layer + INPUT_SCALE, HostTensor.of(new float[] {q.input().scale()}, 1));
                tensors.put(layer + INPUT_ZERO_POINT, HostTensor.of(new float[] {q.input().zeroPoint()}, 1));
                dtypes.put(layer + INPUT_ZERO_POINT, "I32");
            }
        });
        Quantization spec = model.quantization();
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", 1);
        meta.put("weights", "int8 symmetric per output channel");
        meta.put("activations", spec.activations().toString());
        meta.put("activation_range", "uint8 [" + QParams.ACTIVATION_QMIN + ", " + QParams.ACTIVATION_QMAX + "]");
        meta.put("head", spec.head());
        meta.put("patch_embed", spec.patchEmbed());
        meta.put("layers", layers.size());
        meta.set("info", JSON.valueToTree(info));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.putAll(card.toMetadata());
        metadata.put(META, meta.toString());
        Safetensors.write(out, tensors, metadata, name -> dtypes.getOrDefault(name, "F32"));
    }

    /** Splits an int8 file into canonical fp32 tensors and its {@link State}; other files pass through (state null). */
    static Split split(Checkpoint ck) throws CheckpointFormatException {
        String json = ck.metadata().get(META);
        if (json == null) return new Split(ck.tensors(), null);
        Path file = ck.file();
        JsonNode meta;
        try {
            meta = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file, META + " metadata is not JSON: " + e.getOriginalMessage());
        }
        if (!meta.isObject() || meta.path("format").asInt() != 1) {
            throw new CheckpointFormatException(file, META + " metadata: unsupported int8 format " + meta.path("format"));
        }
        Quantization.Activations activations;
        try {
            activations = Quantization.Activations.parse(meta.path("activations").asText());
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, META + " metadata: " + e.getMessage());
        }
        Quantization spec = new Quantization(activations, meta.path("head").asBoolean(), meta.path("patch_embed").asBoolean());
        Map<String, HostTensor> out = new LinkedHashMap<>(ck.tensors());
        Map<String, float[]> scales = new LinkedHashMap<>();
        Map<String, QParams> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : ck.tensors().entrySet()) {
            String key = e.getKey();
            if (!key.endsWith(SCALE)) continue;
            String layer = key.substring(0, key.length() - SCALE.length());
            HostTensor w = ck.tensors().get(layer + ".weight"), s = e.getValue();
            if (w == null || !"I8".equals(w.sourceDType())) {
                throw new CheckpointFormatException(file, key + " scales a weight " + layer + ".weight that is "
                        + (w == null ? "missing" : w.sourceDType() + ", not I8"));
            }
            if (s.rank() != 1 || s.dim(0) != w.dim(0)) {
                throw new CheckpointFormatException(file, key + " has shape " + s.shapeString() + "; the weight "
                        + w.shapeString() + " needs [" + w.dim(0) + "]");
            }
            for (float v : s.data()) {
                if (!(v > 0) || Float.isInfinite(v)) {
                    throw new CheckpointFormatException(file, key + " holds the scale " + v + " (scales are finite and > 0)");
                }
            }
            scales.put(layer, s.data().clone());
            out.put(layer + ".weight", dequantize(w, s.data()));
            out.remove(key);
            HostTensor is = ck.tensors().get(layer + INPUT_SCALE), iz = ck.tensors().get(layer + INPUT_ZERO_POINT);
            if (activations == Quantization.Activations.STATIC) {
                if (is == null || iz == null || is.numel() != 1 || iz.numel() != 1) {
                    throw new CheckpointFormatException(file, "static int8 layer " + layer + " needs one-element "
                            + layer + INPUT_SCALE + " and " + layer + INPUT_ZERO_POINT);
                }
                try {
                    inputs.put(layer, new QParams(is.data()[0], (int) iz.data()[0], QParams.ACTIVATION_QMIN,
                            QParams.ACTIVATION_QMAX));
                } catch (IllegalArgumentException ex) {
                    throw new CheckpointFormatException(file, "input parameters of " + layer + ": " + ex.getMessage());
                }
            }
            out.remove(layer + INPUT_SCALE);
            out.remove(layer + INPUT_ZERO_POINT);
        }
        if (scales.isEmpty()) throw new CheckpointFormatException(file, META + " metadata but no int8 layer (no *" + SCALE + ")");
        for (String k : out.keySet()) {
            String layer = k.endsWith(".weight") ? k.substring(0, k.length() - ".weight".length()) : k;
            if ("I8".equals(out.get(k).sourceDType()) && !scales.containsKey(layer)) {
                throw new CheckpointFormatException(file, "int8 tensor " + k + " has no " + SCALE);
            }
        }
        Map<String, Object> info = new LinkedHashMap<>();
        meta.fields().forEachRemaining(f -> info.put(f.getKey(), JSON.convertValue(f.getValue(), Object.class)));
        return new Split(out, new State(spec, scales, inputs, info));
    }

    /** int8 · scale of its output channel, in fp32 as {@code Tensor.dequantize()} computes it. */
    private static HostTensor dequantize(HostTensor w, float[] scales) {
        float[] d = new float[w.data().length];
        int per = (int) (w.numel() / w.dim(0));
        for (int i = 0; i < d.length; i++) d[i] = w.data()[i] * scales[i / per];
        return new HostTensor(w.shape(), d, "I8");
    }

    /** One line for {@code swin inspect}. */
    static String describe(State s) {
        return s.spec() + ", " + s.weightScales().size() + " layers"
                + (s.info().get("info") instanceof Map<?, ?> m && !m.isEmpty() ? ", " + m : "");
    }
}
