package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * 2×2 neighbourhood merge: channels concatenated as x0=(even row, even col), x1=(odd, even),
 * x2=(even, odd), x3=(odd, odd), then LayerNorm(4C) and Linear 4C→2C without bias. Odd sizes are
 * zero-padded bottom/right first (HF, torchvision).
 */
final class PatchMerging {

    private final Tensor normWeight, normBias, reductionWeight;

    PatchMerging(String prefix, int dim, Parameters params) {
        reductionWeight = params.register(prefix + "reduction.weight", 2L * dim, 4L * dim);
        normWeight = params.register(prefix + "norm.weight", 4L * dim);
        normBias = params.register(prefix + "norm.bias", 4L * dim);
    }

    /** (B, H·W, C) → (B, ⌈H/2⌉·⌈W/2⌉, 2C). */
    Tensor forward(Tensor x, int height, int width) {
        long b = x.size(0), c = x.size(2);
        Tensor grid = x.view(b, height, width, c);
        if (height % 2 != 0 || width % 2 != 0) {
            grid = torch.constant_pad_nd(grid, new long[] {0, 0, 0, width % 2, 0, height % 2});
        }
        long h2 = (height + 1) / 2, w2 = (width + 1) / 2;
        // (B, h2, rowParity, w2, colParity, C) → (B, h2, w2, colParity, rowParity, C): channel block index
        // colParity·2 + rowParity gives x0, x1, x2, x3.
        Tensor merged = grid.reshape(b, h2, 2, w2, 2, c).permute(0, 1, 3, 4, 2, 5).reshape(b, h2 * w2, 4 * c);
        return Ops.linear(Ops.layerNorm(merged, normWeight, normBias), reductionWeight, null);
    }
}
