package io.swin4j.model;

import java.util.Set;

/**
 * What a forward pass returns besides logits and the pooled embedding.
 *
 * @param stageFeatures   return each stage's output as NCHW (see {@link SwinOutput#stageFeatures()})
 * @param attentionBlocks blocks whose attention probabilities to return, as {@link BlockId}s
 * @param blockStatistics return every block's outlier statistics ({@link SwinOutput#blockStatistics()}); eval mode only
 */
public record ForwardOptions(boolean stageFeatures, Set<BlockId> attentionBlocks, boolean blockStatistics) {

    public static final ForwardOptions DEFAULT = new ForwardOptions(false, Set.of());

    public ForwardOptions {
        attentionBlocks = Set.copyOf(attentionBlocks);
    }

    public ForwardOptions(boolean stageFeatures, Set<BlockId> attentionBlocks) {
        this(stageFeatures, attentionBlocks, false);
    }

    public static ForwardOptions withStageFeatures() {
        return new ForwardOptions(true, Set.of());
    }

    public ForwardOptions optAttention(BlockId... blocks) {
        return new ForwardOptions(stageFeatures, Set.of(blocks), blockStatistics);
    }

    /** With {@code on}, the forward pass also returns every block's {@link BlockStatistics} (in eval mode). */
    public ForwardOptions optBlockStatistics(boolean on) {
        return new ForwardOptions(stageFeatures, attentionBlocks, on);
    }

    /** A block by stage index and block index within the stage, both from 0. */
    public record BlockId(int stage, int block) {}
}
