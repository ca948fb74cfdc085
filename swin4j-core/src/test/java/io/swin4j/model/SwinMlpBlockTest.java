package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.testing.Fixtures;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One Swin-MLP block (gathers, zero tokens and the batched-matmul spatial MLP) against the official
 * {@code SwinMLPBlock.forward} transliterated here op by op with libtorch (F.pad, window_partition, the grouped
 * Conv1d, window_reverse, the crop), extended as documented to maps that are not window multiples: V1's
 * bottom/right zero padding to a multiple first, cropped at the end. Window 5 (shift 2, leading padding 3), so that a
 * swap of the (M−s, s) padding shows.
 */
class SwinMlpBlockTest {

    private static final int M = 5, HEADS = 2, DIM = 8;

    @BeforeAll
    static void loadNatives() {
        NativeTorch.ensureLoaded();
    }

    private static Tensor layerNorm(Tensor x, Map<String, Tensor> p, String name) {
        return torch.layer_norm(x, new long[] {DIM}, new TensorOptional(p.get(name + ".weight")),
                new TensorOptional(p.get(name + ".bias")), 1e-5, false);
    }

    private static Tensor linear(Tensor x, Map<String, Tensor> p, String name) {
        return torch.linear(x, p.get(name + ".weight"), new TensorOptional(p.get(name + ".bias")));
    }

    /** SwinMLPBlock.forward (eval), with the official rule's shift s given. */
    private static Tensor official(Tensor x, int h, int w, int s, Map<String, Tensor> p, String block) {
        long b = x.size(0);
        Tensor shortcut = x;
        Tensor v = layerNorm(x, p, block + ".norm1").view(b, h, w, DIM);
        int hp = (h + M - 1) / M * M, wp = (w + M - 1) / M * M;
        v = torch.constant_pad_nd(v, 0, 0, 0, wp - w, 0, hp - h);      // V1's padding to a window multiple
        if (s > 0) v = torch.constant_pad_nd(v, 0, 0, M - s, s, M - s, s);   // F.pad(x, [0, 0, P_l, P_r, P_t, P_b])
        long hh = v.size(1), ww = v.size(2);
        Tensor windows = v.view(b, hh / M, M, ww / M, M, DIM).permute(0, 1, 3, 2, 4, 5).contiguous()
                .view(-1, M * M, DIM);
        Tensor heads = windows.view(-1, M * M, HEADS, DIM / HEADS).transpose(1, 2)
                .reshape(-1, HEADS * M * M, DIM / HEADS);
        Tensor mixed = torch.conv1d(heads, p.get(block + ".spatial_mlp.weight"),
                new TensorOptional(p.get(block + ".spatial_mlp.bias")), new long[] {1}, new long[] {0}, new long[] {1}, HEADS);
        mixed = mixed.view(-1, HEADS, M * M, DIM / HEADS).transpose(1, 2).reshape(-1, M * M, DIM);
        Tensor merged = mixed.reshape(-1, M, M, DIM).view(b, hh / M, ww / M, M, M, DIM).permute(0, 1, 3, 2, 4, 5)
                .contiguous().view(b, hh, ww, DIM);
        if (s > 0) merged = merged.narrow(1, M - s, hh - M).narrow(2, M - s, ww - M);   // [P_t:-P_b, P_l:-P_r]
        merged = merged.narrow(1, 0, h).narrow(2, 0, w).contiguous().view(b, (long) h * w, DIM);
        Tensor y = shortcut.add(merged);
        Tensor hidden = torch.gelu(linear(layerNorm(y, p, block + ".norm2"), p, block + ".mlp.fc1"));
        return y.add(linear(hidden, p, block + ".mlp.fc2"));
    }

    @Test
    void blockEqualsTheOfficialChainAtOfficialAndOtherSizes() {
        SwinConfig config = SwinConfig.builder().optName("mlp_w5").optFamily(SwinConfig.Family.MLP).optImgSize(80)
                .optEmbedDim(DIM).optDepths(2, 2).optNumHeads(HEADS, 4).optWindowSize(M).optNumClasses(0)
                .optDropPathRate(0).build();
        // h, w, shifted, the official rule's shift (no shift where min(H, W) <= M)
        int[][] cases = {{20, 20, 1, 2}, {15, 20, 1, 2}, {7, 12, 1, 2}, {9, 6, 1, 2}, {5, 9, 1, 0}, {3, 8, 1, 0},
                {20, 20, 0, 0}, {7, 12, 0, 0}};
        try (SwinTransformer model = SwinTransformer.create(config, 3); PointerScope scope = new PointerScope();
             NoGradGuard noGrad = new NoGradGuard()) {
            Map<String, Tensor> p = model.parameters().asMap();
            // Non-trivial values everywhere (the default init has zero biases and unit norms).
            torch.manual_seed(11);
            p.values().forEach(t -> torch.normal_(t, 0, 0.3));
            SwinStage stage = (SwinStage) model.children().get("layers").children().get("0");
            for (int[] c : cases) {
                int h = c[0], w = c[1], j = c[2];
                SwinBlock block = stage.blocks.get(j);
                assertThat(block.windows(h, w).shiftH()).as("shift at %dx%d", h, w).isEqualTo(c[3]);
                Tensor x = torch.randn(2, (long) h * w, DIM);
                float[] ours = Tensors.toFloats(block.forward(x, h, w, null, false));
                float[] ref = Tensors.toFloats(official(x, h, w, c[3], p, "layers.0.blocks." + j));
                Fixtures.assertClose(h + "x" + w + " block " + j, ours, ref);
            }
        }
    }
}
