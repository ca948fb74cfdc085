package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Swin Transformer V1 as the official code defines it, on libtorch. Parameters use the official names
 * (the canonical layout); checkpoints of other layouts are converted before they reach this class.
 *
 * <p>Thread-safe for concurrent {@link #forward} calls in eval mode. Close it to free native memory.
 */
public final class SwinTransformer implements AutoCloseable {

    private final SwinConfig config;
    private final Parameters params;
    private final PatchEmbed patchEmbed;
    private final List<SwinStage> stages = new ArrayList<>();
    private final Tensor normWeight, normBias, headWeight, headBias;
    private volatile boolean training;
    private volatile Precision precision = Precision.FP32;

    private SwinTransformer(SwinConfig config, Parameters params) {
        this.config = config;
        this.params = params;
        try {
            patchEmbed = new PatchEmbed(config, params);
            int first = 0;
            for (int i = 0; i < config.numStages(); i++) {
                stages.add(new SwinStage(i, first, config, params));
                first += config.depths()[i];
            }
            int f = config.numFeatures();
            normWeight = params.register("norm.weight", f);
            normBias = params.register("norm.bias", f);
            if (config.numClasses() > 0) {
                headWeight = params.register("head.weight", config.numClasses(), f);
                headBias = params.register("head.bias", config.numClasses());
            } else {
                headWeight = headBias = null;
            }
        } catch (RuntimeException e) {
            params.close();
            throw e;
        }
    }

    /** A model with freshly initialised weights as the official {@code _init_weights}, seeded. */
    public static SwinTransformer create(SwinConfig config, long seed) {
        NativeTorch.ensureLoaded();
        torch.manual_seed(seed);
        return new SwinTransformer(config, new Parameters((name, shape) -> initialised(config, name, shape)));
    }

    /**
     * A model whose every parameter comes from {@code canonical} (official names). Missing or mis-shaped
     * parameters are an error; use the weights loader for a report and non-strict loading.
     */
    public static SwinTransformer fromWeights(SwinConfig config, Map<String, HostTensor> canonical) {
        return fromWeights(config, canonical, false, 0);
    }

    /**
     * As {@link #fromWeights(SwinConfig, Map)}; with {@code initMissing} a parameter absent from the map is
     * freshly initialised (seeded) instead, e.g. a new head for fine-tuning.
     */
    public static SwinTransformer fromWeights(SwinConfig config, Map<String, HostTensor> canonical,
                                              boolean initMissing, long seed) {
        NativeTorch.ensureLoaded();
        torch.manual_seed(seed);
        return new SwinTransformer(config, new Parameters((name, shape) -> {
            HostTensor h = canonical.get(name);
            if (h == null) {
                if (initMissing) return initialised(config, name, shape);
                throw new IllegalArgumentException("weights have no parameter " + name + " " + Arrays.toString(shape));
            }
            return Tensors.fromHost(h);
        }));
    }

    private static Tensor initialised(SwinConfig config, String name, long[] shape) {
        TensorOptions fp32 = new TensorOptions(torch.ScalarType.Float);
        Tensor t = torch.zeros(shape, fp32);
        try (NoGradGuard ignored = new NoGradGuard()) {
            if (name.startsWith("patch_embed.proj.")) {
                // PyTorch's default Conv2d init: U(±1/sqrt(fan_in)) for weight and bias.
                double bound = 1 / Math.sqrt((double) config.inChans() * config.patchSize() * config.patchSize());
                torch.uniform_(t, -bound, bound);
            } else if (name.endsWith("norm.weight") || name.endsWith("norm1.weight") || name.endsWith("norm2.weight")) {
                t.fill_(new org.bytedeco.pytorch.Scalar(1.0));
            } else if (name.endsWith(".weight") && shape.length == 2 || name.endsWith("relative_position_bias_table")
                    || name.equals("absolute_pos_embed")) {
                // timm trunc_normal_(std=.02): cut at ±2 (absolute), i.e. at 100 std: a plain normal.
                torch.normal_(t, 0, 0.02);
            }
        }
        return t;
    }

    public SwinConfig config() { return config; }

    public Parameters parameters() { return params; }

    public boolean isTraining() { return training; }

    /** Training mode applies dropout and stochastic depth and records autograd; eval mode does neither. */
    public SwinTransformer train(boolean on) {
        training = on;
        return this;
    }

    public Precision precision() { return precision; }

    /**
     * Casts every parameter to {@code p} in place (as {@code module.to(dtype)}); forward then takes and returns
     * fp32 and computes in {@code p}. BF16 is for inference: a bf16 model refuses to train.
     */
    public synchronized SwinTransformer optPrecision(Precision p) {
        if (p == precision) return this;
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            for (Tensor t : params.asMap().values()) t.__dispatch_set_data(t.to(p.scalarType()));
        }
        precision = p;
        return this;
    }

    public SwinOutput forward(Tensor images) {
        return forward(images, ForwardOptions.DEFAULT);
    }

    /**
     * @param images (B, inChans, H, W) float32, any B, H, W ({@link SizeRule} says how odd sizes are handled)
     */
    public SwinOutput forward(Tensor images, ForwardOptions options) {
        if (images.dim() != 4 || images.size(1) != config.inChans()) {
            throw new IllegalArgumentException("input must be (B, " + config.inChans() + ", H, W); got "
                    + Arrays.toString(Tensors.shape(images)));
        }
        boolean train = training;
        Precision p = precision;
        if (train && p != Precision.FP32) {
            throw new IllegalStateException("a " + p + " model is for inference; train in fp32");
        }
        try (PointerScope scope = new PointerScope();
             NoGradGuard noGrad = train ? null : new NoGradGuard()) {
            int[] grid = new int[2];
            Tensor input = cast(images, p.scalarType());
            Tensor x = patchEmbed.forward(input, grid, train);
            int h = grid[0], w = grid[1];
            List<Tensor> features = new ArrayList<>();
            List<SwinOutput.BlockAttention> attentions = new ArrayList<>();
            for (int s = 0; s < stages.size(); s++) {
                SwinStage stage = stages.get(s);
                for (int j = 0; j < stage.blocks.size(); j++) {
                    SwinBlock block = stage.blocks.get(j);
                    ForwardOptions.BlockId id = new ForwardOptions.BlockId(s, j);
                    boolean wantProbs = options.attentionBlocks().contains(id);
                    Tensor in = x;
                    int bh = h, bw = w;
                    x = step(scope, x, () -> {
                        Tensor[] probs = wantProbs ? new Tensor[1] : null;
                        Tensor out = block.forward(in, bh, bw, probs, train);
                        if (probs != null) {
                            var plan = block.plan(bh, bw);
                            long n = plan.windowTokens();
                            attentions.add(new SwinOutput.BlockAttention(id, plan, Tensors.keep(
                                    fp32(probs[0].view(out.size(0), plan.numWindows(), -1, n, n)).contiguous())));
                        }
                        return out;
                    });
                }
                if (options.stageFeatures()) {
                    features.add(Tensors.keep(fp32(x.view(x.size(0), h, w, x.size(2)).permute(0, 3, 1, 2))
                            .contiguous()));
                }
                if (stage.downsample != null) {
                    Tensor in = x;
                    int bh = h, bw = w;
                    x = step(scope, x, () -> stage.downsample.forward(in, bh, bw));
                    h = (h + 1) / 2;
                    w = (w + 1) / 2;
                }
            }
            x = Ops.layerNorm(x, normWeight, normBias);
            Tensor pooled = torch.mean(x, 1L);
            Tensor embedding = Tensors.keep(fp32(pooled));
            Tensor logits = headWeight == null ? null : Tensors.keep(fp32(Ops.linear(pooled, headWeight, headBias)));
            return new SwinOutput(logits, embedding, features, attentions);
        }
    }

    /**
     * Runs one block (or merge) in its own scope, so its temporaries are freed as soon as it returns rather than at
     * the end of the forward pass: the allocator then reuses the same memory block after block (peak memory
     * of one block, not of the whole network). Only the result moves to {@code outer}; {@code previous}, the
     * step's input, is released from it (autograd keeps what it needs by its own references).
     */
    private static Tensor step(PointerScope outer, Tensor previous, java.util.function.Supplier<Tensor> body) {
        Tensor result;
        try (PointerScope inner = new PointerScope()) {
            result = body.get();
            outer.attach(result);
            inner.detach(result);
        }
        outer.detach(previous);
        return result;
    }

    /** {@code t} in {@code type}: itself when it already is (no new wrapper), else a converted copy. */
    private static Tensor cast(Tensor t, torch.ScalarType type) {
        return t.scalar_type().intern() == type ? t : t.to(type);
    }

    private static Tensor fp32(Tensor t) {
        return cast(t, torch.ScalarType.Float);
    }

    @Override
    public void close() {
        stages.forEach(SwinStage::close);
        params.close();
    }
}
