package io.swin4j.model;

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
        x = torch.conv2d(x, projWeight, new TensorOptional(projBias), new long[] {p, p}, new long[] {0, 0},
                new long[] {1, 1}, 1);
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
}
