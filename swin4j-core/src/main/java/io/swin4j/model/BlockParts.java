package io.swin4j.model;

import io.swin4j.geometry.SizeRule;
import io.swin4j.geometry.WindowGeometry;
import io.swin4j.geometry.WindowPlan;
import io.swin4j.geometry.ZeroPaddedWindows;

/**
 * The parts a family's blocks and merges are made of (torchvision's {@code block=} / {@code downsample_layer=}, the
 * official {@code build.py}): a new family is a new set of parts, not a new model.
 *
 * @param mixerName      the mixer's name in the block ("attn", "spatial_mlp"): part of every canonical key below it
 * @param mixer          builds the token mixer of a block
 * @param resPostNorm    x + norm(mixer(x)) and x + norm(mlp(x)) (V2) instead of x + mixer(norm(x)) (pre-norm)
 * @param mergeNormAfter patch merging reduces, then normalises 2C (V2) instead of normalising 4C, then reducing
 * @param shift          how shifted blocks move their windows
 */
record BlockParts(String mixerName, TokenMixer.Factory mixer, boolean resPostNorm, boolean mergeNormAfter,
                  Shift shift) {

    /** How a shifted block offsets its windows. */
    enum Shift {
        /** Roll the map by half a window and mask the regions rolled together (V1, V2). */
        CYCLIC {
            @Override
            WindowPlan windows(int height, int width, int window, boolean shifted, SizeRule rule) {
                return WindowPlan.of(height, width, window, shifted, rule);
            }

            @Override
            ExportView.Windows layout(WindowPlan p) {
                return new ExportView.Windows(p, p.numWindows(), p.windowTokens(), WindowGeometry.partitionIndex(p),
                        WindowGeometry.reverseIndex(p));
            }

            @Override
            BlockPlan build(WindowPlan plan) {
                return BlockPlan.cyclic(plan);
            }
        },
        /**
         * Zero-pad the map by M−s top/left and s bottom/right, partition without roll or mask, crop after (Swin-MLP;
         * {@link ZeroPaddedWindows}). The window is always the block's own (its spatial MLP is built for M²).
         */
        ZERO_PADDED {
            @Override
            WindowPlan windows(int height, int width, int window, boolean shifted, SizeRule rule) {
                return ZeroPaddedWindows.blockPlan(height, width, window, shifted, rule);
            }

            @Override
            ExportView.Windows layout(WindowPlan plan) {
                ZeroPaddedWindows z = new ZeroPaddedWindows(plan);
                return new ExportView.Windows(plan, z.numWindows(), z.windowTokens(), z.partitionIndex(),
                        z.reverseIndex());
            }

            @Override
            BlockPlan build(WindowPlan plan) {
                ExportView.Windows w = layout(plan);
                return new BlockPlan(plan, w.windows(), w.tokens(), w.partition(), w.reverse(), null);
            }
        };

        /** The windows of a block at an H×W map: pure arithmetic (FLOP counts use it without libtorch). */
        abstract WindowPlan windows(int height, int width, int window, boolean shifted, SizeRule rule);

        /** The gather indices of {@code plan} (pure arithmetic). */
        abstract ExportView.Windows layout(WindowPlan plan);

        /** The gather indices and mask of {@code plan}. */
        abstract BlockPlan build(WindowPlan plan);
    }

    static BlockParts of(SwinConfig.Family family) {
        return switch (family) {
            case V1 -> new BlockParts("attn", WindowAttention.FACTORY, false, false, Shift.CYCLIC);
            case V2 -> new BlockParts("attn", CosineWindowAttention.FACTORY, true, true, Shift.CYCLIC);
            case MLP -> new BlockParts("spatial_mlp", WindowSpatialMlp.FACTORY, false, false, Shift.ZERO_PADDED);
        };
    }
}
