package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.Safetensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One training step of the V2 tree (train mode, drop rates 0) gives the official model's loss and every parameter
 * gradient (fixtures/grad/v2 from tools/reference/make_family_fixtures.py), the clamped logit scales included: the
 * heads above log(100) get exactly no gradient. Gradients are compared with the official step run in float64
 * (fixtures/v2_float64/grad): within 1e-4, or {@link V2Reference#NOISE_FACTOR}× the official float32 file's own
 * distance to it where that is larger (up to 2e-4 here).
 */
class SwinV2GradientTest {

    @BeforeAll
    static void loadNatives() {
        io.swin4j.engine.NativeTorch.ensureLoaded();
    }

    /**
     * Cross entropy with label smoothing ε over C classes, written out: the target distribution is ε/C everywhere
     * plus 1−ε on the label, the loss −Σ target·log_softmax(logits), averaged over the batch (PyTorch's definition).
     */
    private static Tensor smoothedCrossEntropy(Tensor logits, long[] labels, double epsilon) {
        int b = (int) logits.size(0), c = (int) logits.size(1);
        float[] target = new float[b * c];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < c; j++) target[i * c + j] = (float) (epsilon / c + (j == labels[i] ? 1 - epsilon : 0));
        }
        Tensor t = Tensors.fromFloats(target, b, c);
        return torch.log_softmax(logits, 1).mul(t).sum().div(new org.bytedeco.pytorch.Scalar(-b));
    }

    @Test
    void lossAndEveryGradientEqualTheOfficialModel() throws Exception {
        V2Reference.requireCurrentFloat64References();
        Path dir = Fixtures.root().resolve("grad").resolve("v2");
        JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
        assertThat(meta.get("family").asText()).isEqualTo("v2");
        SwinConfig config = V2Reference.config("v2_grad", meta.get("config"));
        Map<String, HostTensor> weights = Safetensors.read(dir.resolve("weights.safetensors")).tensors();
        Map<String, HostTensor> expected = Safetensors.read(dir.resolve("grads.safetensors")).tensors();
        long[] labels = new long[meta.get("targets").size()];
        for (int i = 0; i < labels.length; i++) labels[i] = meta.get("targets").get(i).asLong();
        try (SwinTransformer model = SwinTransformer.fromWeights(config, weights);
             PointerScope scope = new PointerScope()) {
            model.parameters().requireGrad(true);
            model.train(true);
            Tensor x = Tensors.fromHost(Fixtures.npy(dir.resolve("input.npy")));
            try (SwinOutput out = model.forward(x)) {
                Tensor loss = smoothedCrossEntropy(out.logits(), labels, meta.get("label_smoothing").asDouble());
                double expectedLoss = meta.get("loss").asDouble();
                assertThat(Math.abs(loss.item_float() - expectedLoss) / expectedLoss).as("loss rel err")
                        .isLessThanOrEqualTo(1e-5);
                loss.backward();
            }
            Map<String, HostTensor> grads = model.parameters().gradsToHost();
            assertThat(grads.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            Map<String, HostTensor> exact = Safetensors.read(V2Reference.float64Root().resolve("grad")
                    .resolve("grads.safetensors")).tensors();
            assertThat(exact.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            double worst = 0;
            for (Map.Entry<String, HostTensor> e : expected.entrySet()) {
                double[] err = V2Reference.assertAsExactAsOfficial(e.getKey() + " gradient",
                        grads.get(e.getKey()).data(), e.getValue().data(), exact.get(e.getKey()).data(), 1e-4);
                worst = Math.max(worst, err[0] / Math.max(err[1], 1e-12));
            }
            System.out.printf("V2 gradients: ours vs float64 at most %.2f× the official float32's distance%n", worst);
            // the clamp: no gradient reaches a logit scale above log(100) (the last head of each stage-1 block)
            for (JsonNode name : meta.get("clamped_logit_scale")) {
                float[] g = grads.get(name.asText()).data();
                assertThat(g[g.length - 1]).as(name.asText()).isZero();
                assertThat(g[0]).as(name.asText()).isNotZero();
            }
        }
    }
}
