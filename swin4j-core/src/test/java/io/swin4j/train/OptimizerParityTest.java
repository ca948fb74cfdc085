package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.testing.Fixtures;
import io.swin4j.weights.HostTensor;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.io.Safetensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Three AdamW steps with the official no-decay groups, gradient clipping and the cosine schedule's learning rates
 * give PyTorch's parameters; the schedule itself equals timm's CosineLRScheduler (make_grad_fixtures.py).
 */
class OptimizerParityTest {

    private static final Path DIR = Fixtures.root().resolve("grad");
    private static final JsonNode META = Fixtures.json(DIR.resolve("meta.json"));

    @Test
    void threeAdamWStepsEqualPyTorch() throws Exception {
        JsonNode adamw = META.get("adamw");
        Map<String, HostTensor> expected = Safetensors.read(DIR.resolve("after_3_steps.safetensors")).tensors();
        int[] targets = new int[META.get("targets").size()];
        for (int i = 0; i < targets.length; i++) targets[i] = META.get("targets").get(i).asInt();
        try (SwinTransformer model = SwinWeights.load(DIR.resolve("weights.safetensors")).createModel();
             SwinOptimizer opt = new SwinOptimizer(model.parameters(), 1e-3, adamw.get("weight_decay").asDouble());
             PointerScope scope = new PointerScope()) {
            assertThat(opt.undecayedParameters()).contains("layers.0.blocks.0.attn.relative_position_bias_table",
                    "layers.0.blocks.0.attn.qkv.bias", "norm.weight");
            assertThat(opt.decayedParameters()).contains("layers.0.blocks.0.attn.qkv.weight", "head.weight",
                    "patch_embed.proj.weight").doesNotContain("norm.weight");
            model.parameters().requireGrad(true);
            model.train(true);
            Tensor x = Tensors.fromHost(Fixtures.npy(DIR.resolve("input.npy")));
            Tensor y = Tensors.fromInts(targets, targets.length);
            for (int step = 0; step < 3; step++) {
                opt.zeroGrad();
                try (SwinOutput out = model.forward(x)) {
                    Losses.crossEntropy(out.logits(), y, META.get("label_smoothing").asDouble()).backward();
                }
                double norm = opt.clipGradNorm(adamw.get("clip").asDouble());
                assertThat(norm).as("grad norm before clipping, step %d", step)
                        .isCloseTo(adamw.get("grad_norms_before_clip").get(step).asDouble(), within(1e-4));
                opt.setLr(adamw.get("lr_used_per_step").get(step).asDouble());
                opt.step();
            }
            // The bound for parameters after the AdamW steps is rel err <= 1e-4: Adam divides by sqrt(v), so
            // float-level gradient differences in small-gradient entries grow a little (worst seen: 2.5e-5).
            Map<String, HostTensor> ours = model.parameters().toHost();
            for (Map.Entry<String, HostTensor> e : expected.entrySet()) {
                assertThat(Fixtures.relativeError(ours.get(e.getKey()).data(), e.getValue().data()))
                        .as(e.getKey() + " after 3 steps, rel err").isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @Test
    void cosineScheduleEqualsTimm() {
        JsonNode c = META.get("cosine");
        CosineSchedule s = new CosineSchedule(c.get("base_lr").asDouble(), c.get("lr_min").asDouble(),
                c.get("warmup_lr_init").asDouble(), c.get("warmup_t").asInt(), c.get("t_initial").asInt());
        JsonNode lrs = c.get("lr_at_t");
        for (int t = 0; t < lrs.size(); t++) {
            assertThat(s.lr(t)).as("t=%d", t).isCloseTo(lrs.get(t).asDouble(), within(1e-12));
        }
        assertThat(CosineSchedule.scaledLr(5e-4, 128 * 8, 1)).isEqualTo(1e-3); // the documented 8 x 128 run
    }
}
