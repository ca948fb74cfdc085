package io.swin4j.bench;

import io.swin4j.engine.Tensors;
import io.swin4j.infer.LogitsAgreement;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.function.IntFunction;

/** Runs an fp32 reference and a lower-precision candidate over the same batches and compares their logits. */
public final class PrecisionAgreement {

    private PrecisionAgreement() {}

    /**
     * @param batches batch i of NCHW fp32 inputs (null ends), owned by the caller's scope
     */
    public static LogitsAgreement.Result measure(SwinTransformer reference, SwinTransformer candidate,
                                                 IntFunction<Tensor> batches) {
        LogitsAgreement agreement = new LogitsAgreement();
        for (int i = 0; ; i++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor x = batches.apply(i);
                if (x == null) break;
                try (SwinOutput ra = reference.forward(x); SwinOutput rb = candidate.forward(x)) {
                    agreement.add(Tensors.toFloats(ra.logits()), Tensors.toFloats(rb.logits()), (int) x.size(0));
                }
            }
        }
        return agreement.result();
    }
}
