package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The outlier statistics against numpy (tools/reference/make_outlier_fixtures.py) on tensors with planted outliers. */
class OutlierStatsTest {

    static final Path DIR = Fixtures.root().resolve("outliers");

    @BeforeAll
    static void loadNatives() {
        NativeTorch.ensureLoaded();
    }

    private static float[] npy(String name) {
        return Fixtures.npy(DIR.resolve(name + ".npy")).data();
    }

    @Test
    void infinityNormAndKurtosisPerSampleMatchNumpy() {
        HostTensor x = Fixtures.npy(DIR.resolve("activations.npy"));
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Tensors.fromHost(x);
            float[] inf = OutlierStats.infNorm(t), kurt = OutlierStats.kurtosis(t);
            float[] wantInf = npy("inf_norm"), wantKurt = npy("kurtosis");
            assertThat(inf).hasSize(2);
            for (int b = 0; b < 2; b++) {
                assertThat(inf[b]).as("inf-norm of sample %d", b).isEqualTo(wantInf[b]);
                assertThat((double) kurt[b]).as("kurtosis of sample %d", b)
                        .isCloseTo(wantKurt[b], within(1e-5 * wantKurt[b]));
            }
        }
    }

    @Test
    void attentionMassPerSampleAndHeadMatchesNumpy() {
        HostTensor p = Fixtures.npy(DIR.resolve("probs.npy"));
        try (PointerScope scope = new PointerScope()) {
            float[][][] mass = OutlierStats.attentionMass(Tensors.fromHost(p));
            float[] wantMax = npy("head_max_prob"), wantNoOp = npy("head_no_op_fraction");
            for (int b = 0; b < 2; b++) {
                for (int h = 0; h < 2; h++) {
                    assertThat(mass[0][b][h]).as("max prob, sample %d head %d", b, h)
                            .isCloseTo(wantMax[b * 2 + h], within(1e-6f));
                    assertThat(mass[1][b][h]).as("no-op fraction, sample %d head %d", b, h)
                            .isCloseTo(wantNoOp[b * 2 + h], within(1e-6f));
                }
            }
        }
    }
}
