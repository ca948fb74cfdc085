package io.swin4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code nn.BatchNorm2d} (eps 1e-5, momentum 0.1): eval normalises with the running statistics; training with the
 * batch's (biased variance) and updates the running statistics in place (unbiased variance), as torch does. The
 * running statistics are {@link Param.Tag#BUFFER}s: saved and loaded, never trained. mmcv's ConvModule initialises
 * weight 1, bias 0.
 */
final class BatchNorm2d extends Module {

    static final double EPS = 1e-5;
    static final double MOMENTUM = 0.1;

    final Param weight, bias, runningMean, runningVar;

    BatchNorm2d(long channels) {
        long[] shape = {channels};
        weight = param("weight", Init.ONES, shape);
        bias = param("bias", Init.ZEROS, shape);
        runningMean = param("running_mean", Init.ZEROS, shape, Param.Tag.BUFFER);
        runningVar = param("running_var", Init.ONES, shape, Param.Tag.BUFFER);
    }

    Tensor forward(Tensor x, boolean training) {
        return torch.batch_norm(x, new TensorOptional(weight.tensor()), new TensorOptional(bias.tensor()),
                new TensorOptional(runningMean.tensor()), new TensorOptional(runningVar.tensor()), training, MOMENTUM,
                EPS, false);
    }
}
