package io.swin4j.model;

/** The blocks of one stage (even blocks unshifted, odd blocks shifted) and the patch merging after them. */
final class SwinStage extends Module {

    final ModuleList<SwinBlock> blocks;
    final PatchMerging downsample;

    SwinStage(SwinConfig config, BlockParts parts, int stage, int firstBlock) {
        double[] rates = config.dropPathRates();
        int window = config.stageWindow(stage);
        blocks = child("blocks", new ModuleList<>());
        for (int j = 0; j < config.depths()[stage]; j++) {
            blocks.add(new SwinBlock(config, parts, stage, window, j % 2 == 1, rates[firstBlock + j]));
        }
        downsample = stage < config.numStages() - 1
                ? child("downsample", new PatchMerging(config.stageDim(stage), parts.mergeNormAfter())) : null;
    }
}
