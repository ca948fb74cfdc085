package io.swin4j.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** oneDNN products equal at::linear's (the plain path) on Swin-T's shapes, 2-D and 3-D inputs, with and without bias. */
class OneDnnProductsTest {

    @Test
    void equalsPlainLinearOnSwinShapes() {
        org.junit.jupiter.api.Assumptions.assumeTrue(torch.hasMKLDNN(), "libtorch without oneDNN");
        long[][] shapes = {{64, 49, 96, 288}, {64, 49, 96, 96}, {1, 3136, 96, 384}, {1, 3136, 384, 96},
                {4, 49, 384, 1152}, {1, 49, 768, 3072}, {3, 1, 768, 1000}};
        try (NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(7);
            for (long[] s : shapes) {
                Tensor x = torch.randn(s[0], s[1], s[2]), w = torch.randn(s[3], s[2]), b = torch.randn(s[3]);
                for (Tensor bias : new Tensor[] {b, null}) {
                    Tensor ref = Ops.linear(x, w, bias), got = OneDnnProducts.linear(x, w, bias);
                    double diff = got.sub(ref).abs().max().item_double(), scale = ref.abs().max().item_double();
                    assertTrue(diff <= 1e-5 * scale, "shape " + java.util.Arrays.toString(s) + " bias " + (bias != null)
                            + ": max |diff| " + diff + " for values up to " + scale);
                }
            }
        }
    }

    @Test
    void notUsedWhileRecordingGradients() {
        Tensor x = torch.randn(2, 4), w = torch.randn(3, 4);
        // GradMode is on by default: training products stay on at::linear
        assertTrue(!OneDnnProducts.applies(x, w));
    }
}
