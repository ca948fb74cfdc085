package io.swin4j.train;

import io.swin4j.model.SwinConfig;
import io.swin4j.testing.Fixtures;
import io.swin4j.testing.SyntheticImages;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The model EMA by value against timm's ModelEmaV2 written out: it starts as a copy of the model and after every
 * optimizer step becomes decay·ema + (1 − decay)·model, over the whole state (the Swin state's buffers, the
 * relative-position index and shift masks, are constants of the geometry, so parameters are all that can move).
 */
class ModelEmaTest {

    @Test
    void emaIsTheExponentialAverageOfTheWeightsAfterEachStep(@TempDir Path tmp) throws IOException {
        Path data = SyntheticImages.imageFolder(tmp.resolve("data"), 2, 12, 2, 28, 3);
        TrainConfig c = TrainConfig.official();
        c.model = SwinConfig.builder().optName("ema_test").optImgSize(28).optPatchSize(4).optEmbedDim(16).optDepths(2)
                .optNumHeads(2).optWindowSize(7).build();
        c.data = data.toString();
        c.epochs = 1;
        c.warmupEpochs = 0;
        c.batchSize = 8; // 24 images: 3 optimizer steps
        c.baseLr = 0.5; // 7.8e-3 after the batch scaling: every step moves the weights well
        c.minLr = 0.5;
        c.ema = true;
        c.emaDecay = 0.7;
        c.threads = 1;
        c.workers = 1;
        c.seed = 4;
        double d = c.emaDecay;
        List<Map<String, HostTensor>> snapshots = new ArrayList<>(); // the model before training, then after each step
        Trainer[] holder = new Trainer[1];
        Path run = tmp.resolve("run");
        try (Trainer t = Trainer.start(c, run, new Trainer.Listener() {
            @Override public void started(Trainer trainer) { snapshots.add(trainer.model().parameters().toHost()); }
            @Override public void step(Trainer.StepInfo step) {
                assertThat(step.optimizerStep()).isEqualTo(snapshots.size());
                snapshots.add(holder[0].model().parameters().toHost());
            }
        })) {
            holder[0] = t;
            assertThat(t.run()).isEqualTo(Trainer.Outcome.COMPLETED);
        }
        assertThat(snapshots).hasSize(4);
        Map<String, HostTensor> ema = Safetensors.read(run.resolve("checkpoints/epoch0001-batch000000/ema.safetensors")).tensors();
        Map<String, HostTensor> last = snapshots.get(3);
        assertThat(ema.keySet()).containsExactlyInAnyOrderElementsOf(last.keySet());
        double closestWrong = Double.MAX_VALUE;
        for (String name : last.keySet()) {
            int n = last.get(name).data().length;
            double[] e = new double[n], swapped = new double[n], lagged = new double[n];
            for (int i = 0; i < n; i++) e[i] = swapped[i] = lagged[i] = snapshots.get(0).get(name).data()[i];
            for (int k = 1; k < snapshots.size(); k++) {
                float[] now = snapshots.get(k).get(name).data(), before = snapshots.get(k - 1).get(name).data();
                for (int i = 0; i < n; i++) {
                    e[i] = d * e[i] + (1 - d) * now[i];
                    swapped[i] = (1 - d) * swapped[i] + d * now[i];
                    lagged[i] = d * lagged[i] + (1 - d) * before[i]; // updated from the weights before the step
                }
            }
            float[] expected = toFloats(e);
            double err = Fixtures.relativeError(ema.get(name).data(), expected);
            assertThat(err).as("%s: EMA vs decay·ema + (1 − decay)·model, rel err", name).isLessThanOrEqualTo(1e-6);
            // The formula's alternatives this test must tell apart, and the plain weights, are far from it.
            for (float[] wrong : new float[][] {toFloats(swapped), toFloats(lagged), last.get(name).data()}) {
                if (name.endsWith("attn.qkv.weight")) closestWrong = Math.min(closestWrong, Fixtures.relativeError(wrong, expected));
            }
        }
        assertThat(closestWrong).as("smallest rel diff of a wrong EMA on the qkv matrices").isGreaterThan(1e-3);
    }

    private static float[] toFloats(double[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) r[i] = (float) a[i];
        return r;
    }
}
