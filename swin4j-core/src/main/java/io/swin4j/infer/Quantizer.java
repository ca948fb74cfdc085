package io.swin4j.infer;

import io.swin4j.engine.Tensors;
import io.swin4j.model.Calibration;
import io.swin4j.model.Quantization;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.quant.QParams;
import io.swin4j.quant.RangeMethod;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import org.bytedeco.javacpp.PointerScope;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Post-training static quantization of a model on sample images (what {@code swin quantize} runs): fp32 forward passes
 * over the images, preprocessed as the model's card says, record every quantized layer's inputs; the chosen
 * {@link RangeMethod} turns them into activation parameters; the model is then quantized in place. Images that cannot
 * be read are skipped and reported, the others go on.
 */
public final class Quantizer {

    private Quantizer() {}

    /**
     * @param spec       what to quantize (STATIC activations; DYNAMIC needs no images and ignores them)
     * @param method     how calibration chooses each range
     * @param percentile for {@link RangeMethod#PERCENTILE}
     * @param batchSize  images per calibration forward pass
     */
    public record Settings(Quantization spec, RangeMethod method, double percentile, int batchSize) {
        public Settings {
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
    }

    /**
     * @param images   images that calibrated the ranges
     * @param failures "FILE: reason" for each image skipped
     * @param inputs   the activation parameters per layer (empty for dynamic)
     */
    public record Report(int images, List<String> failures, Map<String, QParams> inputs) {
        public Report {
            failures = List.copyOf(failures);
            inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        }
    }

    /**
     * Calibrates {@code model} (fp32, eval) on {@code images} and quantizes it in place.
     *
     * @param progress called with the images done (read or skipped), may be null
     * @throws IllegalArgumentException static quantization without a single readable image
     */
    public static Report quantize(SwinTransformer model, List<Path> images, EvalPreset preset, ImageDecoder decoder,
                                  Settings s, IntConsumer progress) {
        if (s.spec().activations() == Quantization.Activations.DYNAMIC) {
            model.quantize(s.spec(), Map.of(), Map.of());
            return new Report(0, List.of(), Map.of());
        }
        List<String> failures = new ArrayList<>();
        int used = 0;
        Map<String, QParams> inputs;
        try (Calibration c = model.calibrate(s.spec())) {
            for (int from = 0; from < images.size(); from += s.batchSize()) {
                List<float[]> batch = new ArrayList<>();
                int to = Math.min(images.size(), from + s.batchSize());
                for (Path p : images.subList(from, to)) {
                    try {
                        batch.add(preset.apply(decoder.decode(p), decoder.limits()));
                    } catch (IOException | RuntimeException e) {
                        failures.add(SwinPredictor.failure(p, e));
                    }
                }
                if (!batch.isEmpty()) {
                    try (PointerScope scope = new PointerScope();
                         SwinOutput ignored = model.forward(Tensors.batch(batch, 3, preset.height(), preset.width()))) {
                        used += batch.size();
                    }
                }
                if (progress != null) progress.accept(to - from);
            }
            if (used == 0) {
                throw new IllegalArgumentException("no readable calibration image among " + images.size()
                        + (failures.isEmpty() ? "" : " (first failure: " + failures.get(0) + ")"));
            }
            inputs = c.inputParams(s.method(), s.percentile());
        }
        model.quantize(s.spec(), inputs, Map.of());
        return new Report(used, failures, inputs);
    }
}
