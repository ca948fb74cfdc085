package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * 2×2 neighbourhood merge: channels concatenated as x0=(even row, even col), x1=(odd, even),
 * x2=(even, odd), x3=(odd, odd), then LayerNorm(4C) → Linear 4C→2C without bias (V1, MLP), or Linear 4C→2C →
 * LayerNorm(2C) (V2's {@code PatchMerging}). Odd sizes are zero-padded bottom/right first (HF, torchvision).
 */
final class PatchMerging extends Module {

    private final int dim;
    private final boolean normAfter;
    private final Linear reduction;
    private final LayerNorm norm;

    PatchMerging(int dim, boolean normAfter) {
        this.dim = dim;
        this.normAfter = normAfter;
        reduction = child("reduction", new Linear(4L * dim, 2L * dim, false));
        norm = child("norm", new LayerNorm(normAfter ? 2L * dim : 4L * dim));
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
        return normAfter ? norm.forward(reduction.forward(merged)) : reduction.forward(norm.forward(merged));
    }

    /**
     * The official count: the reduction over the (H/2)·(W/2) outputs, plus the norm as each family's {@code flops()}
     * writes it (V1: H·W·C; V2: H·W·C/2, integer division).
     */
    double macs(int height, int width) {
        double reduce = (double) (height / 2) * (width / 2) * 4 * dim * 2 * dim;
        return reduce + (normAfter ? (double) ((long) height * width * dim / 2) : (double) height * width * dim);
    }
}
