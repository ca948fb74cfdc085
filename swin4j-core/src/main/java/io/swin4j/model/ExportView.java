package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.geometry.SizeRule;
import io.swin4j.geometry.WindowPlan;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * What a graph writer (the ONNX exporter) needs of a classifier or embedding model, as host data: its config and
 * canonical fp32 weights, and per block the mixer kind, the window gather indices at a feature-map size and the
 * folded additive attention bias (relative position bias or V2's continuous position bias, plus the shift mask)
 * exactly as the eval forward adds it. Everything comes from the model's own code paths, so a graph built from it
 * computes what {@link SwinTransformer#forward} computes.
 */
public final class ExportView {

    /** How a block mixes the tokens of a window. */
    public enum Mixer {
        /** V1: softmax(q·kᵀ/√d + bias)·v. */
        ATTENTION,
        /** V2: softmax(normalize(q)·normalize(k)ᵀ·logitScale + bias)·v. */
        COSINE_ATTENTION,
        /** Swin-MLP: a per-head linear map over the window's token positions. */
        SPATIAL_MLP
    }

    /**
     * One block's windows at an H×W map.
     *
     * @param plan      the window and shift
     * @param windows   windows per image (nW)
     * @param tokens    tokens per window (N)
     * @param partition for each of the nW·N tokens of the window sequence, its row-major source in the H×W map, or
     *                  H·W for a zero padding token
     * @param reverse   for each of the H·W positions, its index in the window sequence
     */
    public record Windows(WindowPlan plan, int windows, int tokens, int[] partition, int[] reverse) {
        /** Whether some window token is zero padding (the index H·W occurs). */
        public boolean padded() {
            return (long) windows * tokens != (long) plan.height() * plan.width();
        }
    }

    private final SwinTransformer model;

    ExportView(SwinTransformer model) {
        this.model = model;
    }

    public SwinConfig config() { return model.config(); }

    /** The canonical parameters as fp32 host tensors. */
    public Map<String, HostTensor> weights() {
        return model.parameters().toHost();
    }

    /** The patch grid of an h×w input under the size rule. */
    public int[] grid(int height, int width) {
        return model.patchEmbed().grid(height, width);
    }

    /** Whether the patch embedding zero-pads the input bottom/right to patch multiples (else it drops the rest). */
    public boolean padsInput() {
        SizeRule r = config().sizeRule();
        return r == SizeRule.OFFICIAL || r == SizeRule.PADDED;
    }

    /** Whether stage {@code i} is followed by a patch merging. */
    public boolean merges(int stage) {
        return model.stage(stage).downsample != null;
    }

    public Block block(int stage, int index) {
        return new Block(stage, index, model.stage(stage).blocks.get(index));
    }

    /** One block of the tree. */
    public static final class Block {
        private final int stage, index;
        private final SwinBlock block;

        Block(int stage, int index, SwinBlock block) {
            this.stage = stage;
            this.index = index;
            this.block = block;
        }

        /** The canonical name prefix of its parameters, e.g. {@code layers.0.blocks.1}. */
        public String prefix() { return "layers." + stage + ".blocks." + index; }

        public Mixer mixer() {
            TokenMixer m = block.mixer();
            if (m instanceof CosineWindowAttention) return Mixer.COSINE_ATTENTION;
            if (m instanceof WindowSpatialMlp) return Mixer.SPATIAL_MLP;
            return Mixer.ATTENTION;
        }

        /** The mixer's child name in the canonical keys ({@code attn}, {@code spatial_mlp}). */
        public String mixerName() { return mixer() == Mixer.SPATIAL_MLP ? "spatial_mlp" : "attn"; }

        public int heads() {
            TokenMixer m = block.mixer();
            if (m instanceof WindowAttention a) return a.heads;
            if (m instanceof CosineWindowAttention c) return c.heads;
            return ((WindowSpatialMlp) m).heads;
        }

        /** V2 res-post-norm (x + norm(mixer(x))) instead of pre-norm (x + mixer(norm(x))). */
        public boolean resPostNorm() { return block.resPostNorm(); }

        /** The windows at an H×W map with their gather indices. */
        public Windows windows(int height, int width) {
            return block.layout(height, width);
        }

        /**
         * The additive attention bias at an H×W map, (nW or 1, heads, N, N) fp32: relative position bias plus the shift
         * mask, as the eval forward adds it to the logits; null for Swin-MLP.
         */
        public HostTensor attentionBias(int height, int width) {
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Tensor bias = block.additiveBias(height, width);
                return bias == null ? null : Tensors.toHost(bias.to(org.bytedeco.pytorch.global.torch.ScalarType.Float));
            }
        }

        /** The block's configured window side M. */
        public int window() { return block.window(); }

        /** Whether this is a shifted block (odd index in its stage; the plan at a size may still not shift). */
        public boolean shifted() { return block.shiftedBlock(); }

        /**
         * The relative position bias alone of a window of side {@code window} (≤ M; OFFICIAL shrinks the window to small
         * maps), (heads, N, N) fp32, N = window²: what a graph whose size is only known at run time gathers from.
         */
        public HostTensor relativeBias(int window) {
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                Tensor bias = block.mixer().relativeBias(window);
                return bias == null ? null
                        : Tensors.toHost(bias.contiguous().to(org.bytedeco.pytorch.global.torch.ScalarType.Float));
            }
        }

        /** V2: exp(min(logit_scale, log 100)) per head, (heads); null otherwise. */
        public float[] logitScale() {
            if (!(block.mixer() instanceof CosineWindowAttention c)) return null;
            try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
                return Tensors.toFloats(c.logitScale().to(org.bytedeco.pytorch.global.torch.ScalarType.Float).contiguous());
            }
        }
    }
}
