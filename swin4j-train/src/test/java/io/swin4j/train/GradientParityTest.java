package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.testing.Fixtures;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.io.Safetensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training-mode forward and backward through the Java model (gather-based windows included) give the official
 * PyTorch model's loss and every parameter gradient (tools/reference/make_grad_fixtures.py).
 */
class GradientParityTest {

    @Test
    void lossAndEveryGradientEqualPyTorch() throws Exception {
        Path dir = Fixtures.root().resolve("grad");
        JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
        SwinWeights weights = SwinWeights.load(dir.resolve("weights.safetensors"));
        Map<String, HostTensor> expectedGrads = Safetensors.read(dir.resolve("grads.safetensors")).tensors();
        long[] targets = new long[meta.get("targets").size()];
        for (int i = 0; i < targets.length; i++) targets[i] = meta.get("targets").get(i).asLong();
        try (SwinTransformer model = weights.createModel(); PointerScope scope = new PointerScope()) {
            model.parameters().requireGrad(true);
            model.train(true);
            Tensor x = Tensors.fromHost(Fixtures.npy(dir.resolve("input.npy")));
            Tensor y = Tensors.fromInts(java.util.Arrays.stream(targets).mapToInt(v -> (int) v).toArray(), targets.length);
            try (SwinOutput out = model.forward(x)) {
                Tensor loss = Losses.crossEntropy(out.logits(), y, meta.get("label_smoothing").asDouble());
                double expectedLoss = meta.get("loss").asDouble();
                assertThat(Math.abs(loss.item_float() - expectedLoss) / expectedLoss).as("loss rel err").isLessThanOrEqualTo(1e-5);
                loss.backward();
            }
            Map<String, HostTensor> grads = model.parameters().gradsToHost();
            assertThat(grads.keySet()).containsExactlyInAnyOrderElementsOf(expectedGrads.keySet());
            for (Map.Entry<String, HostTensor> e : expectedGrads.entrySet()) {
                assertThat(Fixtures.relativeError(grads.get(e.getKey()).data(), e.getValue().data()))
                        .as(e.getKey() + " gradient rel err").isLessThanOrEqualTo(1e-4);
            }
        }
    }
}
