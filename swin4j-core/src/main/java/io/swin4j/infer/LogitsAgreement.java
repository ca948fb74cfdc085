package io.swin4j.infer;

/**
 * How far a lower-precision model's logits (bf16, int8) are from the fp32 model's on the same inputs, accumulated
 * batch by batch: {@code swin eval} and {@code swin bench --agreement} both report it.
 */
public final class LogitsAgreement {

    private int n, same;
    private double sumRel, maxRel;

    /**
     * @param inputs        samples compared
     * @param top1Agreement share of samples whose arg-max class is the same
     * @param meanRelErr    mean over samples of ‖candidate − reference‖ / ‖reference‖
     * @param maxRelErr     the largest per-sample relative error
     */
    public record Result(int inputs, double top1Agreement, double meanRelErr, double maxRelErr) {
        public String describe() {
            return String.format("%d inputs: top-1 agreement %.2f%%, logits relative error mean %.4f max %.4f", inputs,
                    100 * top1Agreement, meanRelErr, maxRelErr);
        }
    }

    /** Adds a batch: row-major (batch, classes) logits of the reference and of the candidate. */
    public void add(float[] reference, float[] candidate, int batch) {
        if (reference.length != candidate.length || batch <= 0 || reference.length % batch != 0) {
            throw new IllegalArgumentException(reference.length + " and " + candidate.length + " logits for " + batch + " samples");
        }
        int classes = reference.length / batch;
        for (int s = 0; s < batch; s++) {
            double diff = 0, norm = 0;
            int argA = 0, argB = 0;
            for (int c = 0; c < classes; c++) {
                int k = s * classes + c;
                diff += (reference[k] - candidate[k]) * (double) (reference[k] - candidate[k]);
                norm += reference[k] * (double) reference[k];
                if (reference[k] > reference[s * classes + argA]) argA = c;
                if (candidate[k] > candidate[s * classes + argB]) argB = c;
            }
            double rel = Math.sqrt(diff / Math.max(norm, 1e-30));
            sumRel += rel;
            maxRel = Math.max(maxRel, rel);
            if (argA == argB) same++;
            n++;
        }
    }

    public Result result() {
        if (n == 0) throw new IllegalArgumentException("no inputs to compare");
        return new Result(n, (double) same / n, sumRel / n, maxRel);
    }
}
