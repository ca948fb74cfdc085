package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.testing.Fixtures;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Mixup, CutMix, mixed smoothed targets and the soft-target loss equal timm's (make_mixup_fixtures.py). */
class MixupTest {

    private static final JsonNode C = Fixtures.json(Fixtures.root().resolve("mixup/cases.json"));

    private static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) a.get(i).asDouble();
        return f;
    }

    private static void assertAllClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) assertThat(actual[i]).as("%s[%d]", what, i).isCloseTo(expected[i], within(1e-6f));
    }

    @Test
    void mixupCutmixAndTargetsEqualTimm() {
        NativeTorch.ensureLoaded();
        long[] shape = new long[C.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = C.get("shape").get(i).asLong();
        int[] labels = new int[4];
        for (int i = 0; i < 4; i++) labels[i] = C.get("target").get(i).asInt();
        Mixup mixup = new Mixup(0.8, 1.0, 1.0, 0.5, C.get("smoothing").asDouble(), C.get("num_classes").asInt());
        try (PointerScope scope = new PointerScope()) {
            Tensor y = Tensors.fromInts(labels, 4);
            // mixup at λ = 0.3
            Tensor x = Tensors.fromFloats(floats(C.get("input")), shape);
            double lam = C.get("mixup").get("lam").asDouble();
            Mixup.applyToImages(x, new Mixup.Params(lam, false, 0, 0, 0, 0));
            assertAllClose(Tensors.toFloats(x), floats(C.get("mixup").get("output")), "mixup images");
            assertAllClose(Tensors.toFloats(mixup.targets(y, lam)), floats(C.get("mixup").get("target")), "mixup targets");
            // cutmix: timm drew λ 0.6 and this centre; the box and corrected λ must follow
            JsonNode cm = C.get("cutmix");
            Mixup.Params p = Mixup.cutmixBox(cm.get("lam_drawn").asDouble(), 8, 10, cm.get("center").get(0).asInt(),
                    cm.get("center").get(1).asInt());
            assertThat(new int[] {p.yl(), p.yh(), p.xl(), p.xh()}).containsExactly(
                    cm.get("box").get(0).asInt(), cm.get("box").get(1).asInt(), cm.get("box").get(2).asInt(), cm.get("box").get(3).asInt());
            assertThat(p.lam()).isCloseTo(cm.get("lam").asDouble(), within(1e-12));
            Tensor x2 = Tensors.fromFloats(floats(C.get("input")), shape);
            Mixup.applyToImages(x2, p);
            assertAllClose(Tensors.toFloats(x2), floats(cm.get("output")), "cutmix images");
            assertAllClose(Tensors.toFloats(mixup.targets(y, p.lam())), floats(cm.get("target")), "cutmix targets");
            // soft-target cross-entropy
            JsonNode ce = C.get("soft_ce");
            Tensor loss = Mixup.softTargetCrossEntropy(Tensors.fromFloats(floats(ce.get("logits")), 4, 5),
                    Tensors.fromFloats(floats(ce.get("target")), 4, 5));
            assertThat((double) loss.item_float()).isCloseTo(ce.get("loss").asDouble(), within(1e-6));
        }
    }

    @Test
    void samplingIsSeededAndInRange() {
        Mixup m = Mixup.official(10);
        SplittableRandom a = new SplittableRandom(42), b = new SplittableRandom(42);
        int cutmix = 0;
        for (int i = 0; i < 2000; i++) {
            Mixup.Params p = m.sample(a, 224, 224);
            assertThat(p).isEqualTo(m.sample(b, 224, 224));
            assertThat(p.lam()).isBetween(0.0, 1.0);
            if (p.cutmix()) cutmix++;
        }
        assertThat(cutmix).isBetween(900, 1100); // switch probability 0.5
        double mean = 0;
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 20000; i++) mean += Mixup.beta(r, 0.8, 0.8);
        assertThat(mean / 20000).isCloseTo(0.5, within(0.01)); // Beta(a, a) has mean 1/2
    }
}
