package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

/**
 * mmseg's {@code FCNHead} as upernet's auxiliary head uses it: one 3×3 {@link ConvModule} ({@code convs.0}, no input
 * concatenation), then classify.
 */
final class FcnHead extends DecodeHeadBase {

    private final ModuleList<ConvModule> convs;

    FcnHead(int inChannels, int channels, int numClasses, double dropout) {
        super(channels, numClasses, dropout);
        convs = child("convs", new ModuleList<>());
        convs.add(new ConvModule(inChannels, channels, 3, 1));
    }

    Tensor forward(Tensor input, boolean training) {
        Tensor x = input;
        for (ConvModule c : convs.items()) x = c.forward(x, training);
        return classify(x, training);
    }
}
