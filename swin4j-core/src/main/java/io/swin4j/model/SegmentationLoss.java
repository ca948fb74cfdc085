package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

/**
 * mmseg's losses of one training step, scalar tensors that record autograd ({@code total().backward()}).
 *
 * @param decode    the decode head's cross-entropy ({@code decode.loss_seg}, loss weight 1)
 * @param auxiliary the auxiliary head's cross-entropy times {@link SegmentationConfig#auxLossWeight()}
 *                  ({@code aux.loss_seg}, already weighted as mmseg reports it), or null without an auxiliary head
 * @param total     decode + auxiliary: what mmseg back-propagates
 */
public record SegmentationLoss(Tensor decode, Tensor auxiliary, Tensor total) implements AutoCloseable {

    /** The total as a number. */
    public double value() {
        return total.item_float();
    }

    @Override
    public void close() {
        decode.close();
        if (auxiliary != null) auxiliary.close();
        total.close();
    }
}
