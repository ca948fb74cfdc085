package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One branch of PSPNet's pooling pyramid ({@code PPM}): {@code nn.Sequential(AdaptiveAvgPool2d(scale), ConvModule)},
 * so its convolution is child {@code 1}; the output is resized back bilinearly to the input's size.
 */
final class PoolingBranch extends Module {

    private final int scale;
    private final boolean alignCorners;
    private final ConvModule conv;

    PoolingBranch(int scale, long in, long channels, boolean alignCorners) {
        this.scale = scale;
        this.alignCorners = alignCorners;
        conv = child("1", new ConvModule(in, channels, 1, 0));
    }

    Tensor forward(Tensor x, boolean training) {
        Tensor pooled = torch.adaptive_avg_pool2d(x, scale, scale);
        return Ops.resize(conv.forward(pooled, training), x.size(2), x.size(3), alignCorners);
    }
}
