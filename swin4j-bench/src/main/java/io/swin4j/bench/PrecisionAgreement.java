package io.swin4j.bench;

import io.swin4j.engine.Tensors;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.function.IntFunction;

/**
 * How far a lower-precision model's logits are from the fp32 model's on the same inputs.
 *
 * @param inputs        samples compared
 * @param top1Agreement share of samples whose arg-max class is the same
 * @param meanRelErr    mean over samples of ‖low − fp32‖ / ‖fp32‖
 * @param maxRelErr     the largest per-sample relative error
 */
public record PrecisionAgreement(int inputs, double top1Agreement, double meanRelErr, double maxRelErr) {

    /**
     * @param batches batch i of NCHW fp32 inputs (null ends), owned by the caller's scope
     */
    public static PrecisionAgreement measure(SwinTransformer reference, SwinTransformer candidate,
                                             IntFunction<Tensor> batches) {
        int n = 0, same = 0;
        double sumRel = 0, maxRel = 0;
        for (int i = 0; ; i++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor x = batches.apply(i);
                if (x == null) break;
                float[] a, b;
                try (SwinOutput ra = reference.forward(x); SwinOutput rb = candidate.forward(x)) {
                    a = Tensors.toFloats(ra.logits());
                    b = Tensors.toFloats(rb.logits());
                }
                int batch = (int) x.size(0), classes = a.length / batch;
                for (int s = 0; s < batch; s++) {
                    double diff = 0, norm = 0;
                    int argA = 0, argB = 0;
                    for (int c = 0; c < classes; c++) {
                        int k = s * classes + c;
                        diff += (a[k] - b[k]) * (double) (a[k] - b[k]);
                        norm += a[k] * (double) a[k];
                        if (a[k] > a[s * classes + argA]) argA = c;
                        if (b[k] > b[s * classes + argB]) argB = c;
                    }
                    double rel = Math.sqrt(diff / Math.max(norm, 1e-30));
                    sumRel += rel;
                    maxRel = Math.max(maxRel, rel);
                    if (argA == argB) same++;
                    n++;
                }
            }
        }
        if (n == 0) throw new IllegalArgumentException("no inputs to compare");
        return new PrecisionAgreement(n, (double) same / n, sumRel / n, maxRel);
    }

    public String describe() {
        return String.format("%d inputs: top-1 agreement %.2f%%, logits relative error mean %.4f max %.4f", inputs,
                100 * top1Agreement, meanRelErr, maxRelErr);
    }
}
