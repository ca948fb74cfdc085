package io.swin4j.model;

import io.swin4j.engine.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** The reductions behind {@link BlockStatistics}, computed in libtorch (float64) and copied back per sample. */
final class OutlierStats {

    private OutlierStats() {}

    /** max|x| per sample of x (B, ...). */
    static float[] infNorm(Tensor x) {
        return Tensors.toFloats(x.reshape(x.size(0), -1).abs().amax(new long[] {1}, false).to(torch.ScalarType.Float));
    }

    /** E[(x−μ)⁴]/(σ⁴ + 1e-6) per sample of x (B, ...), μ and σ (population) over all the sample's elements. */
    static float[] kurtosis(Tensor x) {
        Tensor flat = x.reshape(x.size(0), -1).to(torch.ScalarType.Double);
        Tensor centred = flat.sub(flat.mean(new long[] {1}, true, new ScalarTypeOptional()));
        Tensor squared = centred.mul(centred);
        Tensor variance = squared.mean(1L);
        Tensor fourth = squared.mul(squared).mean(1L);
        Tensor k = fourth.div(variance.mul(variance).add(new Scalar(BlockStatistics.KURTOSIS_EPS)));
        return Tensors.toFloats(k.to(torch.ScalarType.Float));
    }

    /**
     * Per sample and head: [0] the mean over windows and queries of the largest probability a query gives one key,
     * [1] the fraction of queries whose largest probability exceeds {@link BlockStatistics#NO_OP_THRESHOLD}.
     *
     * @param probs (B, nW, heads, N, N) attention probabilities
     */
    static float[][][] attentionMass(Tensor probs) {
        long batch = probs.size(0), heads = probs.size(2);
        Tensor max = probs.to(torch.ScalarType.Float).amax(new long[] {4}, false); // (B, nW, heads, N)
        Tensor mean = max.mean(1L, 3L);
        Tensor noOp = max.gt(new Scalar(BlockStatistics.NO_OP_THRESHOLD)).to(torch.ScalarType.Float)
                .mean(1L, 3L);
        return new float[][][] {rows(Tensors.toFloats(mean), batch, heads), rows(Tensors.toFloats(noOp), batch, heads)};
    }

    private static float[][] rows(float[] flat, long batch, long heads) {
        float[][] out = new float[(int) batch][(int) heads];
        for (int b = 0; b < batch; b++) System.arraycopy(flat, (int) (b * heads), out[b], 0, (int) heads);
        return out;
    }
}
