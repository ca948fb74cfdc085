package io.swin4j.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Classification metrics over a labelled set: top-1/top-5, mean cross-entropy, per-class accuracy (recall) and the
 * confusion matrix (rows: true class, columns: predicted class). Accumulate with {@link #add}.
 */
public final class EvalReport {

    private final List<String> classes;
    private final long[][] confusion;
    private long count, top1, top5;
    private double lossSum;
    private final List<String> failures = new ArrayList<>();
    private io.swin4j.infer.LogitsAgreement.Result agreement;

    public EvalReport(List<String> classes) {
        this.classes = List.copyOf(classes);
        this.confusion = new long[classes.size()][classes.size()];
    }

    /** Adds one batch: {@code logits} row-major (n × classes), the true labels and the per-sample losses. */
    public void add(float[] logits, int[] labels, float[] losses) {
        int k = classes.size();
        if (logits.length != labels.length * k) {
            throw new IllegalArgumentException(logits.length + " logits for " + labels.length + " samples of " + k + " classes");
        }
        for (int i = 0; i < labels.length; i++) {
            int label = labels[i];
            float own = logits[i * k + label];
            int best = 0, higher = 0;
            for (int c = 0; c < k; c++) {
                float v = logits[i * k + c];
                if (v > logits[i * k + best]) best = c;
                // Ties rank by index, as torch.topk on CPU does for equal values in practice (lower index first).
                if (v > own || v == own && c < label) higher++;
            }
            confusion[label][best]++;
            if (best == label) top1++;
            if (higher < 5) top5++;
            lossSum += losses == null ? 0 : losses[i];
            count++;
        }
    }

    /** The report's sums (count, top-1, top-5, loss, confusion row-major) for a sum over ranks ({@link #addSums}). */
    double[] sums() {
        int k = classes.size();
        double[] v = new double[4 + k * k];
        v[0] = count;
        v[1] = top1;
        v[2] = top5;
        v[3] = lossSum;
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) v[4 + i * k + j] = confusion[i][j];
        return v;
    }

    /** A report of the sums {@link #sums()} gave (of this one or of all ranks' added up). */
    static EvalReport ofSums(List<String> classes, double[] v) {
        EvalReport r = new EvalReport(classes);
        int k = classes.size();
        r.count = (long) v[0];
        r.top1 = (long) v[1];
        r.top5 = (long) v[2];
        r.lossSum = v[3];
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) r.confusion[i][j] = (long) v[4 + i * k + j];
        return r;
    }

    public void addFailure(String failure) {
        failures.add(failure);
    }

    public List<String> classes() { return classes; }

    public long count() { return count; }

    public double top1() { return count == 0 ? Double.NaN : (double) top1 / count; }

    /** Top-5 accuracy (top-k with k = min(5, classes)). */
    public double top5() { return count == 0 ? Double.NaN : (double) top5 / count; }

    public double loss() { return count == 0 ? Double.NaN : lossSum / count; }

    public long[][] confusion() {
        long[][] c = new long[confusion.length][];
        for (int i = 0; i < c.length; i++) c[i] = confusion[i].clone();
        return c;
    }

    /** Per class: correct / samples of that class (NaN for a class with no samples). */
    public double[] perClassAccuracy() {
        double[] a = new double[classes.size()];
        for (int c = 0; c < a.length; c++) {
            long n = 0;
            for (long v : confusion[c]) n += v;
            a[c] = n == 0 ? Double.NaN : (double) confusion[c][c] / n;
        }
        return a;
    }

    public List<String> failures() { return List.copyOf(failures); }

    /** Agreement with the fp32 model when a lower precision was evaluated against it, else null. */
    public io.swin4j.infer.LogitsAgreement.Result agreement() { return agreement; }

    void setAgreement(io.swin4j.infer.LogitsAgreement.Result a) { agreement = a; }

    /** The facts for {@code swin eval --json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", count);
        m.put("top1", top1());
        m.put("top5", top5());
        m.put("loss", loss());
        Map<String, Object> perClass = new LinkedHashMap<>();
        double[] acc = perClassAccuracy();
        for (int c = 0; c < acc.length; c++) {
            long n = 0;
            for (long v : confusion[c]) n += v;
            perClass.put(classes.get(c), Map.of("samples", n, "accuracy", Double.isNaN(acc[c]) ? "n/a" : acc[c]));
        }
        m.put("perClass", perClass);
        m.put("classes", classes);
        m.put("confusion", confusion());
        m.put("failures", failures);
        if (agreement != null) m.put("agreementWithFp32", agreement);
        return m;
    }
}
