package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * mmcv's {@code ConvModule} with a norm and ReLU, the building block of mmseg's heads: {@code conv} (no bias, since a
 * norm follows) → {@code bn} → ReLU. Initialised as its {@code init_weights}: the convolution kaiming-normal
 * (fan_out, ReLU gain: std sqrt(2 / (out·k·k))), the norm weight 1, bias 0.
 */
final class ConvModule extends Module {

    private final Conv2d conv;
    private final BatchNorm2d bn;

    ConvModule(long in, long out, int kernel, int padding) {
        Init kaiming = new Init(Init.Kind.NORMAL, Math.sqrt(2.0 / (out * kernel * kernel)));
        conv = child("conv", new Conv2d(in, out, kernel, padding, false, kaiming, Init.ZEROS));
        bn = child("bn", new BatchNorm2d(out));
    }

    Tensor forward(Tensor x, boolean training) {
        return torch.relu(bn.forward(conv.forward(x, training), training));
    }
}
