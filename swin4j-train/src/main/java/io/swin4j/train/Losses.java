package io.swin4j.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Training losses with PyTorch's exact semantics. */
public final class Losses {

    private Losses() {}

    /** Mean cross-entropy over the batch with label smoothing ε (the recipe uses 0.1), as F.cross_entropy. */
    public static Tensor crossEntropy(Tensor logits, Tensor targets, double labelSmoothing) {
        return torch.cross_entropy_loss(logits, targets, new TensorOptional(), 1 /* mean */, -100, labelSmoothing);
    }
}
