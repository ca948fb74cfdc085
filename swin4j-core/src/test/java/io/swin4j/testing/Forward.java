package io.swin4j.testing;

import io.swin4j.engine.Tensors;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import org.bytedeco.pytorch.Tensor;

/** One forward pass whose logits the test compares, with the output closed. */
public final class Forward {

    private Forward() {}

    /** {@code model}'s logits on {@code x}, row-major (B, classes). */
    public static float[] logits(SwinTransformer model, Tensor x) {
        try (SwinOutput out = model.forward(x)) {
            return Tensors.toFloats(out.logits());
        }
    }
}
