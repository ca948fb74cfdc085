package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * What every mmseg decode head shares ({@code BaseDecodeHead}): {@code conv_seg}, a 1×1 convolution with bias to the
 * classes (normal std 0.01, bias 0), after {@code Dropout2d} (whole channels, training only). Registered first, as
 * mmseg registers it before the subclass's modules.
 */
abstract class DecodeHeadBase extends Module {

    private final Conv2d convSeg;
    private final double dropout;

    DecodeHeadBase(long channels, int numClasses, double dropout) {
        this.dropout = dropout;
        convSeg = child("conv_seg", new Conv2d(channels, numClasses, 1, 0, true, new Init(Init.Kind.NORMAL, 0.01),
                Init.ZEROS));
    }

    /** mmseg's {@code cls_seg}: dropout (training) then conv_seg. */
    final Tensor classify(Tensor features, boolean training) {
        Tensor x = training && dropout > 0 ? torch.feature_dropout(features, dropout, true) : features;
        return convSeg.forward(x, training);
    }
}
