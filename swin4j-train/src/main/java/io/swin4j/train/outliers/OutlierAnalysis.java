package io.swin4j.train.outliers;

import io.swin4j.engine.Tensors;
import io.swin4j.model.BlockStatistics;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.train.data.DataLoader;
import org.bytedeco.javacpp.PointerScope;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/** Runs a model in eval mode over the first batches of a loader and averages its block statistics per block. */
public final class OutlierAnalysis {

    private OutlierAnalysis() {}

    /**
     * @param maxBatches at most this many batches (of the loader's epoch 0, in order)
     * @param progress   called with the samples done per batch (null: none)
     * @param failures   receives the samples that could not be read (null: ignored)
     */
    public static OutlierReport run(SwinTransformer model, DataLoader loader, int maxBatches, IntConsumer progress,
                                    Consumer<String> failures) {
        if (maxBatches < 1) throw new IllegalArgumentException("batches must be at least 1; got " + maxBatches);
        boolean wasTraining = model.isTraining();
        model.train(false);
        int img = model.config().imgSize();
        List<Accumulator> acc = new ArrayList<>();
        int samples = 0;
        try {
            Iterator<DataLoader.Batch> it = loader.epoch(0, 0);
            for (int done = 0; done < maxBatches && it.hasNext(); ) {
                DataLoader.Batch b = it.next();
                if (failures != null) b.failures().forEach(failures);
                if (b.size() == 0) continue;
                done++;
                int side = b.images().length / b.size() / 3 / img;
                try (PointerScope scope = new PointerScope();
                     SwinOutput out = model.forward(Tensors.fromFloats(b.images(), b.size(), 3, side, img),
                             ForwardOptions.DEFAULT.optBlockStatistics(true))) {
                    List<BlockStatistics> stats = out.blockStatistics();
                    for (int i = 0; i < stats.size(); i++) {
                        if (acc.size() <= i) acc.add(new Accumulator(stats.get(i).block()));
                        acc.get(i).add(stats.get(i));
                    }
                }
                samples += b.size();
                if (progress != null) progress.accept(b.size() + b.failures().size());
            }
        } finally {
            model.train(wasTraining);
        }
        if (samples == 0) throw new IllegalArgumentException("dataset: none of its " + loader.dataset().size() + " samples could be read");
        List<OutlierReport.Block> blocks = new ArrayList<>();
        for (Accumulator a : acc) blocks.add(a.summary());
        return new OutlierReport(samples, List.copyOf(blocks));
    }

    /** Sums of one block's per-sample figures. */
    private static final class Accumulator {
        final ForwardOptions.BlockId id;
        final List<Float> blockInf = new ArrayList<>(), ffnInf = new ArrayList<>();
        double blockKurt, ffnKurt;
        double[] headMax, headNoOp;

        Accumulator(ForwardOptions.BlockId id) {
            this.id = id;
        }

        void add(BlockStatistics s) {
            for (int b = 0; b < s.batchSize(); b++) {
                blockInf.add(s.blockInfNorm()[b]);
                ffnInf.add(s.ffnInfNorm()[b]);
                blockKurt += s.blockKurtosis()[b];
                ffnKurt += s.ffnKurtosis()[b];
                if (s.hasAttention()) {
                    int heads = s.headMaxProb()[b].length;
                    if (headMax == null) {
                        headMax = new double[heads];
                        headNoOp = new double[heads];
                    }
                    for (int h = 0; h < heads; h++) {
                        headMax[h] += s.headMaxProb()[b][h];
                        headNoOp[h] += s.headNoOpFraction()[b][h];
                    }
                }
            }
        }

        OutlierReport.Block summary() {
            int n = blockInf.size();
            return new OutlierReport.Block("layers." + id.stage() + ".blocks." + id.block(), id.stage(), id.block(),
                    mean(blockInf), mean(ffnInf), blockKurt / n, ffnKurt / n, divided(headMax, n), divided(headNoOp, n),
                    floats(blockInf), floats(ffnInf));
        }

        private static double mean(List<Float> v) {
            double s = 0;
            for (float f : v) s += f;
            return s / v.size();
        }

        private static double[] divided(double[] v, int n) {
            if (v == null) return null;
            double[] out = new double[v.length];
            for (int i = 0; i < v.length; i++) out[i] = v[i] / n;
            return out;
        }

        private static float[] floats(List<Float> v) {
            float[] out = new float[v.size()];
            for (int i = 0; i < out.length; i++) out[i] = v.get(i);
            return out;
        }
    }
}
