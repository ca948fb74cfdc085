package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * mmseg's {@code UPerHead} (Unified Perceptual Parsing): a pooling pyramid on the last input, bottlenecked; lateral
 * 1×1 convolutions on the others; a top-down path adding each coarser level resized bilinearly to the finer one; a
 * 3×3 convolution per fused level; all levels resized to the finest and concatenated; a 3×3 bottleneck; classify.
 */
final class UperHead extends DecodeHeadBase {

    private final boolean alignCorners;
    private final ModuleList<PoolingBranch> pspModules;
    private final ConvModule bottleneck, fpnBottleneck;
    private final ModuleList<ConvModule> lateralConvs, fpnConvs;

    UperHead(int[] inChannels, int channels, int[] poolScales, int numClasses, double dropout, boolean alignCorners) {
        super(channels, numClasses, dropout);
        this.alignCorners = alignCorners;
        int last = inChannels[inChannels.length - 1];
        pspModules = child("psp_modules", new ModuleList<>());
        for (int scale : poolScales) pspModules.add(new PoolingBranch(scale, last, channels, alignCorners));
        bottleneck = child("bottleneck", new ConvModule(last + (long) poolScales.length * channels, channels, 3, 1));
        lateralConvs = child("lateral_convs", new ModuleList<>());
        fpnConvs = child("fpn_convs", new ModuleList<>());
        for (int i = 0; i < inChannels.length - 1; i++) {
            lateralConvs.add(new ConvModule(inChannels[i], channels, 1, 0));
            fpnConvs.add(new ConvModule(channels, channels, 3, 1));
        }
        fpnBottleneck = child("fpn_bottleneck", new ConvModule((long) inChannels.length * channels, channels, 3, 1));
    }

    /** The stage features (finest first) → logits at the finest level's resolution. */
    Tensor forward(List<Tensor> inputs, boolean training) {
        List<Tensor> laterals = new ArrayList<>();
        for (int i = 0; i < lateralConvs.size(); i++) laterals.add(lateralConvs.get(i).forward(inputs.get(i), training));
        laterals.add(pspForward(inputs.get(inputs.size() - 1), training));
        int levels = laterals.size();
        for (int i = levels - 1; i > 0; i--) {
            Tensor finer = laterals.get(i - 1);
            laterals.set(i - 1, finer.add(Ops.resize(laterals.get(i), finer.size(2), finer.size(3), alignCorners)));
        }
        List<Tensor> outs = new ArrayList<>();
        for (int i = 0; i < levels - 1; i++) outs.add(fpnConvs.get(i).forward(laterals.get(i), training));
        outs.add(laterals.get(levels - 1));
        long h = outs.get(0).size(2), w = outs.get(0).size(3);
        for (int i = levels - 1; i > 0; i--) outs.set(i, Ops.resize(outs.get(i), h, w, alignCorners));
        Tensor fused = fpnBottleneck.forward(torch.cat(new TensorVector(outs.toArray(new Tensor[0])), 1), training);
        return classify(fused, training);
    }

    private Tensor pspForward(Tensor x, boolean training) {
        List<Tensor> outs = new ArrayList<>();
        outs.add(x);
        for (PoolingBranch branch : pspModules.items()) outs.add(branch.forward(x, training));
        return bottleneck.forward(torch.cat(new TensorVector(outs.toArray(new Tensor[0])), 1), training);
    }
}
