package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Non-overlapping p×p patches projected to embedDim channels (a strided convolution), then LayerNorm. */
final class PatchEmbed {

    private final SwinConfig config;
    private final Tensor projWeight, projBias, normWeight, normBias, absolutePosEmbed;

    PatchEmbed(SwinConfig config, Parameters params) {
        this.config = config;
        int p = config.patchSize(), c = config.embedDim();
        projWeight = params.register("patch_embed.proj.weight", c, config.inChans(), p, p);
        projBias = params.register("patch_embed.proj.bias", c);
        if (config.patchNorm()) {
            normWeight = params.register("patch_embed.norm.weight", c);
            normBias = params.register("patch_embed.norm.bias", c);
        } else {
            normWeight = normBias = null;
        }
        int r = config.imgSize() / p;
        absolutePosEmbed = config.ape() ? params.register("absolute_pos_embed", 1, (long) r * r, c) : null;
    }

    /** (B, Cin, H, W) → tokens (B, H'·W', C) with the patch grid size written to {@code gridOut}. */
    Tensor forward(Tensor images, int[] gridOut, boolean training) {
        long h = images.size(2), w = images.size(3);
        int p = config.patchSize();
        Tensor x = images;
        if (config.sizeRule() == SizeRule.OFFICIAL && (h % p != 0 || w % p != 0)) {
            // HF pads the image bottom/right to a patch multiple; torchvision's strided conv drops the rest.
            x = torch.constant_pad_nd(x, new long[] {0, (p - w % p) % p, 0, (p - h % p) % p});
        }
        x = projection(x, p);
        gridOut[0] = (int) x.size(2);
        gridOut[1] = (int) x.size(3);
        x = x.flatten(2, -1).transpose(1, 2);
        if (normWeight != null) x = Ops.layerNorm(x, normWeight, normBias);
        if (absolutePosEmbed != null) {
            if (x.size(1) != absolutePosEmbed.size(1)) {
                throw new IllegalArgumentException("absolute position embedding is for " + config.imgSize() + "x"
                        + config.imgSize() + " inputs; got " + h + "x" + w);
            }
            x = x.add(absolutePosEmbed);
        }
        return Ops.dropout(x, config.dropRate(), training);
    }

    /**
     * The strided patch convolution. In bf16 it runs in fp32 on the (exactly widened) bf16 values and rounds the
     * result back to bf16: what a correct bf16 kernel computes (fp32 accumulation), at a cost that does not show
     * (three input channels: 2.6 ms instead of 2.1 ms for 8 images of 224×224 on one thread, in a forward pass of
     * over a second).
     *
     * <p>Why: libtorch 2.10's oneDNN 3.7.1 bf16 convolution ({@code jit_bf16:avx512_core_bf16}, chosen on CPUs with
     * avx512_bf16 such as AMD Zen 4) returns wrong values for a plain NCHW input when the output channels are not a
     * multiple of 16 (the destination is padded to blocks of 16): 31% relative error on a 3→12 channel 4×4/4 patch
     * convolution, where fp32, or bf16 with 16 or 96 output channels, or channels-last, or oneDNN disabled are
     * right (0.17%). CPUs without avx512_bf16 take another kernel and never showed it. Computing this one
     * convolution in fp32 takes no oneDNN bf16 kernel at all, whatever the CPU and the embedding width.
     */
    private Tensor projection(Tensor x, int p) {
        long[] kernel = {p, p}, padding = {0, 0}, dilation = {1, 1};
        if (x.scalar_type().intern() != torch.ScalarType.BFloat16) {
            return torch.conv2d(x, projWeight, new TensorOptional(projBias), kernel, padding, dilation, 1);
        }
        torch.ScalarType fp32 = torch.ScalarType.Float;
        return torch.conv2d(x.to(fp32), projWeight.to(fp32), new TensorOptional(projBias.to(fp32)), kernel, padding,
                dilation, 1).to(torch.ScalarType.BFloat16);
    }
}
