package io.swin4j.model;

import java.util.Set;

/**
 * What a forward pass returns besides logits and the pooled embedding.
 *
 * @param stageFeatures   return each stage's output as NCHW (see {@link SwinOutput#stageFeatures()})
 * @param attentionBlocks blocks whose attention probabilities to return, as {@link BlockId}s
 */
public record ForwardOptions(boolean stageFeatures, Set<BlockId> attentionBlocks) {

    public static final ForwardOptions DEFAULT = new ForwardOptions(false, Set.of());

    public ForwardOptions {
        attentionBlocks = Set.copyOf(attentionBlocks);
    }

    public static ForwardOptions withStageFeatures() {
        return new ForwardOptions(true, Set.of());
    }

    public ForwardOptions optAttention(BlockId... blocks) {
        return new ForwardOptions(stageFeatures, Set.of(blocks));
    }

    /** A block by stage index and block index within the stage, both from 0. */
    public record BlockId(int stage, int block) {}
}
