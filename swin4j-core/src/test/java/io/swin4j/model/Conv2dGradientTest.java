package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.testing.Fixtures;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The head convolutions' input gradient in training: libtorch 2.10's oneDNN kernel gets it wrong for a padded 3×3
 * convolution at batch ≥ 2 (see {@link Conv2d}), so training runs the native kernel. Checked against the same
 * convolution in float64 (which oneDNN does not run) on the shapes of the UPerNet fixture's auxiliary head and FPN.
 */
class Conv2dGradientTest {

    @Test
    void trainingInputGradientEqualsFloat64() {
        NativeTorch.ensureLoaded();
        long[][] shapes = {{2, 32, 4, 3}, {2, 16, 16, 12}, {3, 8, 7, 5}};
        for (long[] s : shapes) {
            try (PointerScope scope = new PointerScope()) {
                torch.manual_seed(s[1]);
                Conv2d conv = new Conv2d(s[1], 8, 3, 1, true, Init.ZEROS, Init.ZEROS);
                conv.bindAll((name, p) -> torch.randn(p.shape()));
                Tensor x = torch.randn(s).requires_grad_(true);
                Tensor upstream = torch.randn(s[0], 8, s[2], s[3]);
                conv.forward(x, true).mul(upstream).sum().backward();
                float[] ours = Tensors.toFloats(x.grad());

                Tensor x64 = x.detach().to(torch.ScalarType.Double).requires_grad_(true);
                torch.conv2d(x64, conv.weight.tensor().to(torch.ScalarType.Double),
                        new TensorOptional(conv.bias.tensor().to(torch.ScalarType.Double)), new long[] {1, 1},
                        new long[] {1, 1}, new long[] {1, 1}, 1).mul(upstream.to(torch.ScalarType.Double)).sum().backward();
                float[] exact = Tensors.toFloats(x64.grad().to(torch.ScalarType.Float));
                assertThat(Fixtures.relativeError(ours, exact)).as(java.util.Arrays.toString(s)).isLessThan(1e-6);
                conv.releaseAll();
            }
        }
    }
}
