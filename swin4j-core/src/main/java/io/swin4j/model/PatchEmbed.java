package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/** Non-overlapping p×p patches projected to embedDim channels (a strided convolution), then LayerNorm. */
final class PatchEmbed extends Module {

    /** The projection's parameters ({@code nn.Conv2d} with PyTorch's default init: U(±1/sqrt(fan_in)) for both). */
    static final class Conv extends Quantizable {
        final Param weight, bias;

        Conv(long out, long in, long kernel) {
            Init init = Init.defaultForFanIn(in * kernel * kernel);
            weight = param("weight", init, new long[] {out, in, kernel, kernel});
            bias = param("bias", init, new long[] {out});
        }

        @Override Param weightParam() { return weight; }

        @Override Param biasParam() { return bias; }

        @Override boolean optional() { return true; }
    }

    private final int patch, inChans, embedDim;
    private final SizeRule sizeRule;
    private final Conv proj;
    private final LayerNorm norm;

    PatchEmbed(SwinConfig config) {
        patch = config.patchSize();
        inChans = config.inChans();
        embedDim = config.embedDim();
        sizeRule = config.sizeRule();
        proj = child("proj", new Conv(embedDim, inChans, patch));
        norm = config.patchNorm() ? child("norm", new LayerNorm(embedDim)) : null;
    }

    /** The projection (the layer int8 can quantize). */
    Conv projection() { return proj; }

    /** The patch grid of an h×w image under the size rule. */
    int[] grid(int h, int w) {
        return padsInput()
                ? new int[] {ceilDiv(h, patch), ceilDiv(w, patch)} : new int[] {h / patch, w / patch};
    }

    /** OFFICIAL and PADDED pad the input to patch multiples; torchvision's strided conv drops the remainder. */
    private boolean padsInput() {
        return sizeRule == SizeRule.OFFICIAL || sizeRule == SizeRule.PADDED;
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    /** (B, Cin, H, W) → tokens (B, H'·W', C) with the patch grid size written to {@code gridOut}. */
    Tensor forward(Tensor images, int[] gridOut) {
        long h = images.size(2), w = images.size(3);
        int p = patch;
        Tensor x = images;
        if (padsInput() && (h % p != 0 || w % p != 0)) {
            // HF pads the image bottom/right to a patch multiple; torchvision's strided conv drops the rest.
            x = torch.constant_pad_nd(x, new long[] {0, (p - w % p) % p, 0, (p - h % p) % p});
        }
        if (proj.asProduct()) {
            x = patchProduct(x, p, gridOut);
        } else {
            x = projection(x, p);
            gridOut[0] = (int) x.size(2);
            gridOut[1] = (int) x.size(3);
            x = x.flatten(2, -1).transpose(1, 2);
        }
        return norm == null ? x : norm.forward(x);
    }

    /**
     * The strided convolution as a matrix product over flattened patches (kernel = stride, no padding): each patch's
     * (channel, row, column) values, in the order of the weight's (in, kh, kw) dimensions, times the weight viewed as
     * (out, in·p·p). This is the form the int8 kernel runs (and calibration observes); a remainder smaller than a patch
     * is dropped, as the convolution drops it.
     */
    private Tensor patchProduct(Tensor x, int p, int[] gridOut) {
        long b = x.size(0), c = x.size(1), gh = x.size(2) / p, gw = x.size(3) / p;
        Tensor patches = x.narrow(2, 0, gh * p).narrow(3, 0, gw * p).reshape(b, c, gh, p, gw, p)
                .permute(0, 2, 4, 1, 3, 5).reshape(b, gh * gw, c * p * p);
        gridOut[0] = (int) gh;
        gridOut[1] = (int) gw;
        return proj.product(patches);
    }

    /** The official count: the projection, plus the norm when there is one. */
    double macs(int gridH, int gridW) {
        double tokens = (double) gridH * gridW;
        return tokens * embedDim * inChans * patch * patch + (norm == null ? 0 : tokens * embedDim);
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
        Tensor weight = proj.weight.tensor(), bias = proj.bias.tensor();
        if (x.scalar_type().intern() != torch.ScalarType.BFloat16) {
            return torch.conv2d(x, weight, new TensorOptional(bias), kernel, padding, dilation, 1);
        }
        torch.ScalarType fp32 = torch.ScalarType.Float;
        return torch.conv2d(x.to(fp32), weight.to(fp32), new TensorOptional(bias.to(fp32)), kernel, padding,
                dilation, 1).to(torch.ScalarType.BFloat16);
    }
}
