package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

/**
 * The two heads' raw outputs of one training forward pass, before any resize.
 *
 * @param decode    UPerHead logits (B, K, H/4, W/4) (the finest backbone level's grid)
 * @param auxiliary FCN head logits (B, K, H_i, W_i) on its stage's grid, or null without an auxiliary head
 */
public record SegmentationLogits(Tensor decode, Tensor auxiliary) implements AutoCloseable {

    @Override
    public void close() {
        decode.close();
        if (auxiliary != null) auxiliary.close();
    }
}
