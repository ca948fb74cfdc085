package io.swin4j.model;

/**
 * Activation-outlier statistics of one block for each sample of a batch (Bondarenko et al. 2023, "Quantizable
 * Transformers"), returned by a forward pass with {@link ForwardOptions#optBlockStatistics}. Plain Java arrays, one
 * entry per sample (per sample and head for the attention figures).
 *
 * <p>"Block output" is the block's residual stream after both branches; "FFN output" is the MLP branch alone: fc2's
 * output before dropout, drop-path and the residual add (for V2, before the MLP's res-post-norm). For a tensor x of a
 * sample (all its tokens × channels): the infinity norm is max|x|; the kurtosis is E[(x−μ)⁴]/(σ⁴ + 1e-6), with μ and σ
 * the mean and population standard deviation over all the sample's elements (a Gaussian has 3; outliers make it large).
 *
 * <p>Attention mass: for each window and query, the largest probability the query gives a single key. A head that
 * has learnt the paper's "no-op" puts (almost) all of its mass on one low-information token (a background patch, a
 * delimiter), so that its output barely changes the residual; to get there its softmax inputs must be pushed to
 * extremes, which is where the outliers come from. {@code headMaxProb} is that largest probability averaged over the
 * sample's windows and queries; {@code headNoOpFraction} is the fraction of its queries whose largest probability
 * exceeds {@value #NO_OP_THRESHOLD} (more than half the mass on one key). Windows and queries are those of the block's
 * (shifted, padded) window grid; at sizes that need padding, padded queries count too. Null for blocks without
 * attention (Swin-MLP).
 *
 * @param block            which block
 * @param blockInfNorm     max|x| of the block output, per sample
 * @param ffnInfNorm       max|x| of the FFN output, per sample
 * @param blockKurtosis    kurtosis of the block output, per sample
 * @param ffnKurtosis      kurtosis of the FFN output, per sample
 * @param headMaxProb      [sample][head] mean over windows and queries of the largest single-key probability, or null
 * @param headNoOpFraction [sample][head] fraction of queries whose largest probability exceeds 0.5, or null
 */
public record BlockStatistics(ForwardOptions.BlockId block, float[] blockInfNorm, float[] ffnInfNorm,
                              float[] blockKurtosis, float[] ffnKurtosis, float[][] headMaxProb,
                              float[][] headNoOpFraction) {

    /** A query "attends to one token" when its largest probability exceeds this. */
    public static final double NO_OP_THRESHOLD = 0.5;

    /** The ε in the kurtosis' denominator E[(x−μ)⁴]/(σ⁴ + ε), as the issue and the paper's code. */
    public static final double KURTOSIS_EPS = 1e-6;

    public int batchSize() { return blockInfNorm.length; }

    public boolean hasAttention() { return headMaxProb != null; }
}
