package io.swin4j.train.outliers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Outlier statistics of a model over a dataset, per block averaged over samples (issue 19; Bondarenko et al. 2023).
 * The summary follows the paper's table: the maximum over blocks of the averaged infinity norm of the block output,
 * its average over blocks, and the average over blocks of the block output's averaged kurtosis (the same figures for
 * the FFN output are kept alongside).
 *
 * @param samples the number of images measured
 * @param blocks  per block, in forward order
 */
public record OutlierReport(int samples, List<Block> blocks) {

    /**
     * One block's figures.
     *
     * @param name             the block's parameter prefix, e.g. {@code layers.0.blocks.1}
     * @param blockInfNorm     mean over samples of max|x| of the block output
     * @param ffnInfNorm       mean over samples of max|x| of the FFN output
     * @param blockKurtosis    mean over samples of the block output's kurtosis
     * @param ffnKurtosis      mean over samples of the FFN output's kurtosis
     * @param headMaxProb      per head, the mean over samples, windows and queries of the largest single-key
     *                         probability (null: no attention)
     * @param headNoOpFraction per head, the mean fraction of queries whose largest probability exceeds 0.5 (or null)
     * @param sampleBlockInfNorm per sample, max|x| of the block output (for the plots)
     * @param sampleFfnInfNorm   per sample, max|x| of the FFN output
     */
    public record Block(String name, int stage, int block, double blockInfNorm, double ffnInfNorm, double blockKurtosis,
                        double ffnKurtosis, double[] headMaxProb, double[] headNoOpFraction,
                        float[] sampleBlockInfNorm, float[] sampleFfnInfNorm) {

        /** The largest per-head attention mass, or NaN without attention. */
        public double maxHeadMass() {
            if (headMaxProb == null) return Double.NaN;
            double m = 0;
            for (double v : headMaxProb) m = Math.max(m, v);
            return m;
        }
    }

    /** max over blocks of the averaged ‖x‖∞ of the block output. */
    public double maxInfNorm() {
        return blocks.stream().mapToDouble(Block::blockInfNorm).max().orElse(Double.NaN);
    }

    /** mean over blocks of the averaged ‖x‖∞ of the block output. */
    public double averageInfNorm() {
        return blocks.stream().mapToDouble(Block::blockInfNorm).average().orElse(Double.NaN);
    }

    /** mean over blocks of the averaged kurtosis of the block output. */
    public double averageKurtosis() {
        return blocks.stream().mapToDouble(Block::blockKurtosis).average().orElse(Double.NaN);
    }

    public double maxFfnInfNorm() {
        return blocks.stream().mapToDouble(Block::ffnInfNorm).max().orElse(Double.NaN);
    }

    public double averageFfnKurtosis() {
        return blocks.stream().mapToDouble(Block::ffnKurtosis).average().orElse(Double.NaN);
    }

    /**
     * mean over blocks of the averaged kurtosis of the block output and of the FFN output together, as the authors'
     * {@code validate_mlm.py} computes its {@code avg_kurtosis} (there over BERT's FFN {@code output.dense} and
     * {@code output.LayerNorm} outputs).
     */
    public double averageKurtosisBlockAndFfn() {
        return (averageKurtosis() + averageFfnKurtosis()) / 2;
    }

    /** A JSON-ready view (per-sample values left out). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("max_inf_norm", maxInfNorm());
        summary.put("average_inf_norm", averageInfNorm());
        summary.put("average_kurtosis", averageKurtosis());
        summary.put("max_ffn_inf_norm", maxFfnInfNorm());
        summary.put("average_ffn_kurtosis", averageFfnKurtosis());
        summary.put("average_kurtosis_block_and_ffn", averageKurtosisBlockAndFfn());
        m.put("summary", summary);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Block b : blocks) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("block", b.name());
            e.put("stage", b.stage());
            e.put("index", b.block());
            e.put("inf_norm", b.blockInfNorm());
            e.put("ffn_inf_norm", b.ffnInfNorm());
            e.put("kurtosis", b.blockKurtosis());
            e.put("ffn_kurtosis", b.ffnKurtosis());
            if (b.headMaxProb() != null) {
                e.put("head_max_prob", b.headMaxProb());
                e.put("head_no_op_fraction", b.headNoOpFraction());
            }
            list.add(e);
        }
        m.put("blocks", list);
        return m;
    }
}
