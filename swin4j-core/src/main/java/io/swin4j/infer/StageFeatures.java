package io.swin4j.infer;

import io.swin4j.tensor.HostTensor;

import java.util.List;

/**
 * One image's per-stage feature maps: stage i's output after its blocks and before the patch merging that follows
 * (see {@link io.swin4j.model.SwinOutput#stageFeatures()}), each NCHW {@code (1, embedDim·2^i, H_i, W_i)}.
 */
public record StageFeatures(List<HostTensor> stages) {

    public StageFeatures {
        stages = List.copyOf(stages);
    }

    /** Stage {@code i}'s map. */
    public HostTensor stage(int i) {
        return stages.get(i);
    }
}
