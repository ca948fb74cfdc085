package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/** The blocks of one stage (even blocks W-MSA, odd blocks SW-MSA) and the patch merging after them. */
final class SwinStage {

    final List<SwinBlock> blocks = new ArrayList<>();
    final PatchMerging downsample;

    SwinStage(int stage, int firstBlock, SwinConfig config, Parameters params) {
        double[] rates = config.dropPathRates();
        int window = config.stageWindow(stage);
        for (int j = 0; j < config.depths()[stage]; j++) {
            blocks.add(new SwinBlock("layers." + stage + ".blocks." + j + ".", stage, window, j % 2 == 1,
                    rates[firstBlock + j], config, params));
        }
        downsample = stage < config.numStages() - 1
                ? new PatchMerging("layers." + stage + ".downsample.", config.stageDim(stage), params) : null;
    }

    void close() {
        blocks.forEach(SwinBlock::close);
    }
}
