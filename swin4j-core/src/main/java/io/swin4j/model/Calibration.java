package io.swin4j.model;

import io.swin4j.quant.Histogram;
import io.swin4j.quant.QParams;
import io.swin4j.quant.RangeMethod;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records the inputs of every layer a {@link Quantization} quantizes while fp32 forward passes run over sample images,
 * as one growing {@link Histogram} per layer (one pass over the data), and turns them into activation parameters with
 * a {@link RangeMethod}. Open with {@link SwinTransformer#calibrate}; close to detach the observers. Forward passes
 * during calibration must not run concurrently.
 */
public final class Calibration implements AutoCloseable {

    /** Bins per histogram: PyTorch's HistogramObserver uses 2048. */
    public static final int BINS = 2048;

    private final Map<String, Quantizable> layers;
    private final Map<String, Histogram> histograms = new LinkedHashMap<>();

    Calibration(Map<String, Quantizable> layers) {
        this.layers = layers;
        layers.forEach((name, layer) -> {
            Histogram h = new Histogram(BINS);
            histograms.put(name, h);
            layer.observe(x -> record(name, h, x));
        });
    }

    private static void record(String name, Histogram h, Tensor x) {
        try (PointerScope scope = new PointerScope()) {
            Tensor f = x.to(torch.ScalarType.Float);
            float min = f.min().item_float(), max = f.max().item_float();
            if (!Float.isFinite(min) || !Float.isFinite(max)) {
                throw new IllegalStateException("calibration: the input of " + name + " is not finite (min " + min
                        + ", max " + max + ")");
            }
            h.cover(min, max);
            // histc counts in the input's type: fp32 counts are exact below 2^24 values, beyond that count in fp64.
            Tensor in = f.numel() < (1L << 24) ? f : f.to(torch.ScalarType.Double);
            Tensor counts = torch.histc(in, h.bins(), new Scalar(h.lo()), new Scalar(h.hi()))
                    .to(torch.ScalarType.Long).contiguous();
            long[] c = new long[h.bins()];
            counts.data_ptr_long().get(c);
            h.add(c);
        }
    }

    /** The histogram of each layer's inputs so far, by layer path. */
    public Map<String, Histogram> histograms() {
        return Collections.unmodifiableMap(histograms);
    }

    /** The activation parameters {@code method} chooses for every layer (percentile used by PERCENTILE only). */
    public Map<String, QParams> inputParams(RangeMethod method, double percentile) {
        Map<String, QParams> out = new LinkedHashMap<>();
        histograms.forEach((name, h) -> {
            if (h.isEmpty()) {
                throw new IllegalStateException("calibration saw no input for " + name + ": run forward passes first");
            }
            out.put(name, method.choose(h, percentile));
        });
        return out;
    }

    @Override
    public void close() {
        layers.values().forEach(l -> l.observe(null));
    }
}
