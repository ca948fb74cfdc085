package io.swin4j.bench;

/**
 * Resident memory over many consecutive batches (after a warm-up).
 *
 * @param rssMb       RSS after the warm-up, then after each tenth of the batches
 * @param growthMb    last sample minus the first
 * @param maxGrowthMb highest sample minus the first
 */
public record LeakReport(String model, int batch, int batches, int warmupBatches, double[] rssMb, double growthMb,
                         double maxGrowthMb, double seconds) {

    static LeakReport of(String model, int batch, int batches, int warmup, long[] rssBytes, double seconds) {
        double[] mb = new double[rssBytes.length];
        double max = 0;
        for (int i = 0; i < mb.length; i++) {
            mb[i] = rssBytes[i] / 1048576.0;
            max = Math.max(max, mb[i] - mb[0]);
        }
        return new LeakReport(model, batch, batches, warmup, mb, mb[mb.length - 1] - mb[0], max, seconds);
    }

    public String describe() {
        StringBuilder s = new StringBuilder(String.format(
                "leak check %s: %d batches of %d after %d warm-up batches, %.0f s; RSS MB:", model, batches, batch,
                warmupBatches, seconds));
        for (double v : rssMb) s.append(String.format(" %.0f", v));
        s.append(String.format("; growth %+.1f MB (max %+.1f MB)", growthMb, maxGrowthMb));
        return s.toString();
    }
}
