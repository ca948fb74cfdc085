package io.swin4j.model;

import io.swin4j.engine.Tensors;
import io.swin4j.geometry.WindowGeometry;
import io.swin4j.geometry.WindowPlan;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * One block's windows at one feature-map size: the geometry and its gather indices (pad + shift + partition in one
 * index_select, the reverse in another) and, for a cyclic shift, the SW-MSA mask. Built once per size and reused.
 */
final class BlockPlan {

    /** A cache key for this size, unique within a block. */
    final long key;
    final WindowPlan plan;
    final Tensor partition, reverse;
    /** (nW, N, N) additive mask, or null when nothing needs masking. */
    final Tensor mask;
    /** Windows per image and tokens per window (N). */
    final int windows, tokens;

    /**
     * @param partition for each token of the window sequence (nW·N), its row-major source in the H×W map, or H·W for
     *                  a zero padding token
     * @param reverse   for each position of the H×W map, its index in the window sequence
     */
    BlockPlan(WindowPlan plan, int windows, int tokens, int[] partition, int[] reverse, float[] mask) {
        if (partition.length != windows * tokens) throw new IllegalArgumentException("partition index size");
        this.key = key(plan.height(), plan.width());
        this.plan = plan;
        this.windows = windows;
        this.tokens = tokens;
        this.partition = Tensors.keep(Tensors.fromInts(partition, partition.length));
        this.reverse = Tensors.keep(Tensors.fromInts(reverse, reverse.length));
        this.mask = mask == null ? null : Tensors.keep(Tensors.fromFloats(mask, windows, tokens, tokens));
    }

    static long key(int height, int width) {
        return ((long) height << 32) | width;
    }

    /** The cyclic shift of V1 and V2: roll, partition, and a mask keeping the rolled-in regions apart. */
    static BlockPlan cyclic(WindowPlan p) {
        ExportView.Windows w = BlockParts.Shift.CYCLIC.layout(p);
        return new BlockPlan(p, w.windows(), w.tokens(), w.partition(), w.reverse(),
                WindowGeometry.shiftMask(p, SwinConfig.MASK_FILL));
    }

    /** (B, H·W, C) → (B·nW, N, C); padding tokens are zeros. */
    Tensor partition(Tensor h) {
        long b = h.size(0), c = h.size(2);
        if (padded()) {
            // Index H·W points at one appended zero token.
            TensorVector parts = new TensorVector(h, torch.zeros(new long[] {b, 1, c}, h.options()));
            h = torch.cat(parts, 1);
        }
        return h.index_select(1, partition).view(b * windows, tokens, c);
    }

    private boolean padded() {
        return (long) windows * tokens != (long) plan.height() * plan.width();
    }

    /** The inverse of {@link #partition}: window merge, reverse shift and crop in one gather. */
    Tensor reverse(Tensor windows, long batch) {
        return windows.view(batch, partition.size(0), windows.size(2)).index_select(1, reverse);
    }

    void close() {
        partition.close();
        reverse.close();
        if (mask != null) mask.close();
    }
}
