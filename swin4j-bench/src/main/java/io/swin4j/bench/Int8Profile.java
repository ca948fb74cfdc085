package io.swin4j.bench;

import io.swin4j.engine.NativeTorch;
import io.swin4j.model.Calibration;
import io.swin4j.model.Precision;
import io.swin4j.model.ProductProfile;
import io.swin4j.model.Quantization;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.quant.RangeMethod;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.Map;

/**
 * Where a Swin-T forward pass spends its time in fp32, int8 dynamic and int8 static: the wall time of the whole pass
 * and of its linear products ({@link ProductProfile}), per kind of layer; the rest is attention, norms, GELU, window
 * gathers and copies. Medians over RUNS passes, the three precisions alternated. Run with the launcher's environment:
 * {@code . tools/native-env.sh; java -cp ... io.swin4j.bench.Int8Profile [BATCH (1)] [RUNS (15)]}.
 */
public final class Int8Profile {

    private Int8Profile() {}

    public static void main(String[] args) {
        NativeTorch.ensureLoaded();
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        SwinConfig c = SwinConfig.preset("swin_tiny_patch4_window7_224");
        try (SwinTransformer fp32 = SwinTransformer.create(c, 0);
             SwinTransformer dyn = SwinTransformer.create(c, 0).optPrecision(Precision.INT8);
             SwinTransformer stat = SwinTransformer.create(c, 0);
             PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(batch, 3, 224, 224);
            try (Calibration cal = stat.calibrate(Quantization.calibrated())) {
                forward(stat, torch.randn(4, 3, 224, 224));
                stat.quantize(Quantization.calibrated(), cal.inputParams(RangeMethod.MINMAX, 0), Map.of());
            }
            SwinTransformer[] models = {fp32, dyn, stat};
            long[][] total = new long[3][runs], products = new long[3][runs];
            @SuppressWarnings("unchecked") Map<String, Long>[] kinds = new Map[3];
            for (SwinTransformer m : models) forward(m, x);
            for (int r = 0; r < runs; r++) {
                for (int i = 0; i < 3; i++) {
                    try (ProductProfile p = models[i].profileProducts()) {
                        long t0 = System.nanoTime();
                        forward(models[i], x);
                        total[i][r] = System.nanoTime() - t0;
                        products[i][r] = p.totalNanos();
                        if (r == runs / 2) kinds[i] = p.nanosByKind();
                    }
                }
            }
            System.out.printf("Swin-T 224, batch %d, %d runs, threads %d; median ms (one run's per-kind split)%n",
                    batch, runs, torch.get_num_threads());
            System.out.println("precision       forward   products   rest     products by kind");
            for (int i = 0; i < 3; i++) {
                long t = median(total[i]), p = median(products[i]);
                StringBuilder k = new StringBuilder();
                kinds[i].forEach((name, ns) -> k.append(String.format(" %s %.1f", name, ns / 1e6)));
                System.out.printf("%-14s %8.1f %9.1f %7.1f   %s%n", models[i].precisionLabel(), t / 1e6, p / 1e6,
                        (t - p) / 1e6, k);
            }
            System.out.printf("weights: fp32 %.1f MB, int8 %.1f MB%n", fp32.weightBytes() / 1e6, stat.weightBytes() / 1e6);
        }
    }

    private static void forward(SwinTransformer m, Tensor x) {
        try (SwinOutput ignored = m.forward(x)) {
            // logits discarded; the kernels are synchronous
        }
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
