package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.io.Safetensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Training-mode forward and backward through the Java Swin-MLP (zero-padded shifted windows and the spatial MLP
 * included) give the official {@code SwinMLP}'s loss and every parameter gradient (fixtures/grad/mlp, made by
 * tools/reference/make_family_fixtures.py; stage 0 has a shifted block with (2, 2) zero padding).
 */
class SwinMlpGradientTest {

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    @Test
    void lossAndEveryGradientEqualTheOfficialModel() throws Exception {
        Path dir = Fixtures.root().resolve("grad").resolve("mlp");
        JsonNode meta = Fixtures.json(dir.resolve("meta.json"));
        assertThat(meta.get("family").asText()).isEqualTo("mlp");
        JsonNode cfg = meta.get("config");
        // The official SwinMLP defaults for what the meta leaves out: ape False, patch_norm True; drop rates 0.
        SwinConfig config = SwinConfig.builder().optName("mlp_grad").optFamily(SwinConfig.Family.MLP)
                .optImgSize(cfg.get("img_size").asInt()).optPatchSize(cfg.get("patch_size").asInt())
                .optEmbedDim(cfg.get("embed_dim").asInt()).optDepths(ints(cfg.get("depths")))
                .optNumHeads(ints(cfg.get("num_heads"))).optWindowSize(cfg.get("window_size").asInt())
                .optMlpRatio(cfg.get("mlp_ratio").asDouble()).optNumClasses(cfg.get("num_classes").asInt())
                .optApe(false).optPatchNorm(true).optDropRate(0).optAttnDropRate(0).optDropPathRate(0).build();
        Map<String, HostTensor> weights = Safetensors.read(dir.resolve("weights.safetensors")).tensors();
        Map<String, HostTensor> expectedGrads = Safetensors.read(dir.resolve("grads.safetensors")).tensors();
        assertThat(expectedGrads.keySet()).anyMatch(k -> k.endsWith("spatial_mlp.weight"));
        int[] targets = ints(meta.get("targets"));
        try (SwinTransformer model = SwinTransformer.fromWeights(config, weights); PointerScope scope = new PointerScope()) {
            assertThat(model.parameters().count()).isEqualTo(meta.get("num_parameters").asLong());
            model.parameters().requireGrad(true);
            model.train(true);
            Tensor x = Tensors.fromHost(Fixtures.npy(dir.resolve("input.npy")));
            Tensor y = Tensors.fromInts(targets, targets.length);
            try (SwinOutput out = model.forward(x)) {
                Tensor loss = Losses.crossEntropy(out.logits(), y, meta.get("label_smoothing").asDouble());
                double expectedLoss = meta.get("loss").asDouble();
                assertThat(Math.abs(loss.item_float() - expectedLoss) / expectedLoss).as("loss rel err")
                        .isLessThanOrEqualTo(1e-5);
                loss.backward();
            }
            Map<String, HostTensor> grads = model.parameters().gradsToHost();
            assertThat(grads.keySet()).containsExactlyInAnyOrderElementsOf(expectedGrads.keySet());
            double worst = 0;
            for (Map.Entry<String, HostTensor> e : expectedGrads.entrySet()) {
                double rel = Fixtures.relativeError(grads.get(e.getKey()).data(), e.getValue().data());
                assertThat(rel).as(e.getKey() + " gradient rel err").isLessThanOrEqualTo(1e-4);
                worst = Math.max(worst, rel);
            }
            System.out.printf("mlp gradients: %d parameters, worst rel err %.2e%n", expectedGrads.size(), worst);
        }
    }
}
