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
import static org.assertj.core.api.Assertions.within;

/**
 * Three AdamW steps with the official no-decay groups, gradient clipping and the cosine schedule's learning rates
 * give PyTorch's parameters; the schedule itself equals timm's CosineLRScheduler (make_grad_fixtures.py).
 *
 * <p>The fixture makes every term count: one batch per step, lr >= 5e-3 on every step, weight decay 0.5 and a clip
 * (0.25) far below the gradient norms (3 to 5, different per step). The generator asserts that decaying every tensor,
 * no tensor or the relative-position table, skipping clipping or eps 1e-6 instead of 1e-8 each move some tensor by
 * at least 2e-3 relative, 20x the bound below ({@code worst_rel_diff_of_variants} in meta.json).
 */
class OptimizerParityTest {

    private static final Path DIR = Fixtures.root().resolve("grad");
    private static final JsonNode META = Fixtures.json(DIR.resolve("meta.json"));
    /** Parameters after the AdamW steps, rel err per tensor (Adam divides by sqrt(v): float noise grows a little). */
    private static final double BOUND = 1e-4;

    @Test
    void threeAdamWStepsEqualPyTorch() throws Exception {
        JsonNode adamw = META.get("adamw");
        Map<String, HostTensor> expected = Safetensors.read(DIR.resolve("after_3_steps.safetensors")).tensors();
        Map<String, HostTensor> clippedStep0 = Safetensors.read(DIR.resolve("clipped_grads_step0.safetensors")).tensors();
        HostTensor inputs = Fixtures.npy(DIR.resolve("step_inputs.npy"));
        int steps = adamw.get("lr_used_per_step").size();
        assertThat(inputs.dim(0)).isEqualTo(steps);
        double clip = adamw.get("clip").asDouble();
        try (SwinTransformer model = SwinWeights.load(DIR.resolve("weights.safetensors")).createModel();
             SwinOptimizer opt = new SwinOptimizer(model.parameters(), META.get("cosine").get("base_lr").asDouble(),
                     adamw.get("weight_decay").asDouble());
             PointerScope scope = new PointerScope()) {
            Map<String, HostTensor> initial = model.parameters().toHost();
            model.parameters().requireGrad(true);
            model.train(true);
            Tensor all = Tensors.fromHost(inputs);
            for (int step = 0; step < steps; step++) {
                JsonNode t = adamw.get("step_targets").get(step);
                int[] targets = new int[t.size()];
                for (int i = 0; i < targets.length; i++) targets[i] = t.get(i).asInt();
                opt.zeroGrad();
                try (SwinOutput out = model.forward(all.select(0, step).contiguous())) {
                    Losses.crossEntropy(out.logits(), Tensors.fromInts(targets, targets.length),
                            META.get("label_smoothing").asDouble()).backward();
                }
                double norm = opt.clipGradNorm(clip);
                assertThat(norm).as("grad norm before clipping, step %d", step)
                        .isCloseTo(adamw.get("grad_norms_before_clip").get(step).asDouble(), within(1e-4));
                if (step == 0) {
                    // The gradients the optimizer sees are PyTorch's clip_grad_norm_ output: scaled by clip / norm (~0.05).
                    Map<String, HostTensor> grads = model.parameters().gradsToHost();
                    for (Map.Entry<String, HostTensor> e : clippedStep0.entrySet()) {
                        assertThat(Fixtures.relativeError(grads.get(e.getKey()).data(), e.getValue().data()))
                                .as(e.getKey() + " gradient after clipping, rel err").isLessThanOrEqualTo(1e-4);
                    }
                }
                opt.setLr(adamw.get("lr_used_per_step").get(step).asDouble());
                opt.step();
            }
            Map<String, HostTensor> ours = model.parameters().toHost();
            assertThat(ours.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (Map.Entry<String, HostTensor> e : expected.entrySet()) {
                float[] a = ours.get(e.getKey()).data(), b = e.getValue().data();
                if (e.getKey().endsWith("attn.qkv.bias")) {
                    // The key bias adds q·b_k to every logit of a row, which softmax ignores: its true gradient is 0 and
                    // both sides see float noise (~1e-10 after clipping), which Adam turns into moves of up to ~2e-4
                    // (lr · g / eps per step) that differ between libtorch and PyTorch. Query and value biases are
                    // compared as the rest; the key bias must stay where it was, well within the ~1e-2 that entries
                    // with a real gradient move over these steps.
                    int c = a.length / 3;
                    float[] qvOurs = concat(slice(a, 0, c), slice(a, 2 * c, 3 * c)), qvRef = concat(slice(b, 0, c), slice(b, 2 * c, 3 * c));
                    assertThat(Fixtures.relativeError(qvOurs, qvRef)).as(e.getKey() + " (q, v) after %d steps, rel err", steps)
                            .isLessThanOrEqualTo(BOUND);
                    float[] k0 = slice(initial.get(e.getKey()).data(), c, 2 * c);
                    assertThat(slice(a, c, 2 * c)).as(e.getKey() + " (k)").containsExactly(k0, within(2e-3f));
                    continue;
                }
                assertThat(Fixtures.relativeError(a, b)).as(e.getKey() + " after %d steps, rel err", steps).isLessThanOrEqualTo(BOUND);
            }
        }
    }

    /** The fixture itself must be able to tell the variants apart: each one moves a tensor far past the bound. */
    @Test
    void theFixtureSeesEveryTerm() {
        JsonNode variants = META.get("adamw").get("worst_rel_diff_of_variants");
        assertThat(variants.size()).isEqualTo(5);
        variants.fields().forEachRemaining(v -> assertThat(v.getValue().asDouble()).as(v.getKey()).isGreaterThan(10 * BOUND));
        for (JsonNode lr : META.get("adamw").get("lr_used_per_step")) assertThat(lr.asDouble()).isGreaterThanOrEqualTo(5e-3);
        for (JsonNode n : META.get("adamw").get("grad_norms_before_clip")) {
            assertThat(n.asDouble()).isGreaterThan(4 * META.get("adamw").get("clip").asDouble());
        }
    }

    /** The official set_weight_decay rule, written out: which of the micro model's tensors are decayed. */
    @Test
    void decayGroupsAreTheOfficialOnes() throws Exception {
        try (SwinTransformer model = SwinWeights.load(DIR.resolve("weights.safetensors")).createModel();
             SwinOptimizer opt = new SwinOptimizer(model.parameters(), 1e-3, 0.05)) {
            java.util.List<String> decayed = new java.util.ArrayList<>(java.util.List.of("patch_embed.proj.weight", "head.weight",
                    "layers.0.downsample.reduction.weight"));
            for (String b : new String[] {"layers.0.blocks.0.", "layers.0.blocks.1.", "layers.1.blocks.0.", "layers.1.blocks.1."}) {
                for (String w : new String[] {"attn.qkv.weight", "attn.proj.weight", "mlp.fc1.weight", "mlp.fc2.weight"}) decayed.add(b + w);
            }
            assertThat(opt.decayedParameters()).containsExactlyInAnyOrderElementsOf(decayed);
            assertThat(opt.undecayedParameters()).hasSize(model.parameters().asMap().size() - decayed.size())
                    .contains("layers.0.blocks.0.attn.relative_position_bias_table", "layers.1.blocks.1.attn.relative_position_bias_table",
                            "layers.0.blocks.0.attn.qkv.bias", "norm.weight", "layers.0.downsample.norm.weight", "head.bias");
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

    /**
     * Two steps with different gradients against the AdamW update written out (PyTorch's documented algorithm,
     * β (0.9, 0.999), eps 1e-8, decoupled decay on the matrix only). The fixture above repeats one batch, so its
     * gradients barely change between steps and the moments cannot tell β1 from β2: swapped betas passed it.
     */
    @Test
    void momentsUseBeta1ForTheMeanAndBeta2ForTheVariance() {
        float[] w0 = {1f, 2f, 3f, 4f}, b0 = {0.5f, -0.5f};
        float[][] gw = {{1f, -1f, 0.5f, 2f}, {-3f, 0.2f, 0.5f, 1e-3f}}, gb = {{0.3f, -2f}, {0.1f, 4f}};
        double lr = 0.1, wd = 0.05;
        try (PointerScope scope = new PointerScope()) {
            Tensor w = Tensors.fromFloats(w0, 2, 2).requires_grad_(true), b = Tensors.fromFloats(b0, 2).requires_grad_(true);
            Map<String, Tensor> params = new java.util.LinkedHashMap<>();
            params.put("fc.weight", w);
            params.put("fc.bias", b);
            try (SwinOptimizer opt = new SwinOptimizer(params, name -> name.endsWith(".bias"), lr, wd)) {
                for (int step = 0; step < 2; step++) {
                    opt.zeroGrad();
                    w.mul(Tensors.fromFloats(gw[step], 2, 2)).sum().add(b.mul(Tensors.fromFloats(gb[step], 2)).sum()).backward();
                    opt.step();
                }
            }
            assertThat(Tensors.toFloats(w.detach())).containsExactly(adamW(w0, gw, lr, wd), within(1e-6f));
            assertThat(Tensors.toFloats(b.detach())).containsExactly(adamW(b0, gb, lr, 0), within(1e-6f));
        }
    }

    private static float[] slice(float[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static float[] adamW(float[] p0, float[][] grads, double lr, double wd) {
        double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        float[] out = new float[p0.length];
        for (int i = 0; i < p0.length; i++) {
            double p = p0[i], m = 0, v = 0;
            for (int t = 1; t <= grads.length; t++) {
                double g = grads[t - 1][i];
                p -= lr * wd * p;
                m = beta1 * m + (1 - beta1) * g;
                v = beta2 * v + (1 - beta2) * g * g;
                double mHat = m / (1 - Math.pow(beta1, t)), vHat = v / (1 - Math.pow(beta2, t));
                p -= lr * mHat / (Math.sqrt(vHat) + eps);
            }
            out[i] = (float) p;
        }
        return out;
    }
}
