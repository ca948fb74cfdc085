package io.swin4j.train;

import io.swin4j.engine.Tensors;
import io.swin4j.infer.LogitsAgreement;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.train.data.DataLoader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.Iterator;
import java.util.List;

/** Runs a model in eval mode over a loader and accumulates an {@link EvalReport}. */
public final class Evaluator {

    private Evaluator() {}

    /** Evaluates {@code model} on every batch of {@code loader} (its epoch 0, in order); restores the training mode. */
    public static EvalReport evaluate(SwinTransformer model, DataLoader loader, List<String> classes) {
        return evaluate(model, loader, classes, null);
    }

    /** As {@link #evaluate(SwinTransformer, DataLoader, List)}, calling {@code progress} with the samples done. */
    public static EvalReport evaluate(SwinTransformer model, DataLoader loader, List<String> classes,
                                      java.util.function.IntConsumer progress) {
        return evaluate(model, null, loader, classes, progress);
    }

    /**
     * As {@link #evaluate(SwinTransformer, DataLoader, List, java.util.function.IntConsumer)}; with a
     * {@code reference} (the fp32 model of a bf16 or int8 {@code model}) it runs on the same batches and the report
     * adds their top-1 agreement and logits error ({@link EvalReport#agreement()}).
     */
    public static EvalReport evaluate(SwinTransformer model, SwinTransformer reference, DataLoader loader,
                                      List<String> classes, java.util.function.IntConsumer progress) {
        LogitsAgreement agreement = reference == null ? null : new LogitsAgreement();
        boolean wasTraining = model.isTraining();
        model.train(false);
        EvalReport report = new EvalReport(classes);
        int k = classes.size(), img = model.config().imgSize();
        if (model.config().numClasses() != k) {
            throw new IllegalArgumentException("the model has " + model.config().numClasses() + " classes, the data " + k);
        }
        try {
            Iterator<DataLoader.Batch> it = loader.epoch(0, 0);
            while (it.hasNext()) {
                DataLoader.Batch b = it.next();
                b.failures().forEach(report::addFailure);
                if (b.size() == 0) continue;
                float[] logits;
                try (PointerScope scope = new PointerScope()) {
                    Tensor x = Tensors.fromFloats(b.images(), b.size(), 3, b.images().length / b.size() / 3 / img, img);
                    try (SwinOutput out = model.forward(x)) {
                        logits = Tensors.toFloats(out.logits());
                    }
                    if (agreement != null) {
                        try (SwinOutput ref = reference.forward(x)) {
                            agreement.add(Tensors.toFloats(ref.logits()), logits, b.size());
                        }
                    }
                }
                float[] losses = new float[b.size()];
                for (int i = 0; i < b.size(); i++) losses[i] = (float) crossEntropy(logits, i * k, k, b.labels()[i]);
                report.add(logits, b.labels(), losses);
                if (progress != null) progress.accept(b.size() + b.failures().size());
            }
        } finally {
            model.train(wasTraining);
        }
        if (agreement != null && report.count() > 0) report.setAgreement(agreement.result());
        return report;
    }

    static int argmax(float[] v, int offset, int k) {
        int best = 0;
        for (int c = 1; c < k; c++) if (v[offset + c] > v[offset + best]) best = c;
        return best;
    }

    /** −log softmax(logits)[label], computed stably in double. */
    static double crossEntropy(float[] logits, int offset, int k, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) max = Math.max(max, logits[offset + c]);
        double sum = 0;
        for (int c = 0; c < k; c++) sum += Math.exp(logits[offset + c] - max);
        return Math.log(sum) + max - logits[offset + label];
    }
}
