package io.swin4j.model;

import io.swin4j.geometry.WindowPlan;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * The results of one forward pass. Closing it frees their native memory.
 *
 * @param logits        (B, numClasses), or null when the model has no head
 * @param embedding     (B, numFeatures): the final LayerNorm-ed tokens averaged over positions, the input of the head; null for a dense-prediction backbone (which has no final norm)
 * @param stageFeatures stage i's output after its blocks and <em>before</em> the patch merging that follows it,
 *                      as NCHW (B, embedDim·2^i, H/(patch·2^i), W/(patch·2^i)) rounded up at odd sizes; no extra
 *                      norm. This is HF {@code SwinBackbone}'s and mmdet's {@code out_indices} convention (stage 3
 *                      is before the final norm). Empty unless asked for.
 * @param attentions    the attention probabilities of the blocks asked for
 * @param blockStatistics every block's outlier statistics in forward order, when asked for
 *                      ({@link ForwardOptions#optBlockStatistics}); else empty
 */
public record SwinOutput(Tensor logits, Tensor embedding, List<Tensor> stageFeatures, List<BlockAttention> attentions,
                         List<BlockStatistics> blockStatistics) implements AutoCloseable {

    public SwinOutput(Tensor logits, Tensor embedding, List<Tensor> stageFeatures, List<BlockAttention> attentions) {
        this(logits, embedding, stageFeatures, attentions, List.of());
    }

    /**
     * @param probs (B, numWindows, heads, N, N) softmax probabilities per window, windows and tokens in row-major
     *              order of the (shifted, padded) window grid that {@code plan} describes
     */
    public record BlockAttention(ForwardOptions.BlockId block, WindowPlan plan, Tensor probs) {}

    @Override
    public void close() {
        if (logits != null) logits.close();
        if (embedding != null) embedding.close();
        stageFeatures.forEach(Tensor::close);
        attentions.forEach(a -> a.probs().close());
    }
}
