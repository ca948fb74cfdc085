package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bf16 patch embedding, for embedding widths on both sides of a multiple of 16: libtorch 2.10's oneDNN bf16
 * convolution on avx512_bf16 CPUs (AMD Zen 4) returned wrong values when the output channels are not a multiple of
 * 16 (12 channels: 33% relative error), which PatchEmbed avoids. Expected values are written out here: a direct
 * convolution in double precision.
 */
class Bf16PatchEmbedTest {

    @BeforeAll
    static void loadNatives() {
        NativeTorch.ensureLoaded();
    }

    /**
     * Weights and pixels are bf16-exact and a correct bf16 convolution accumulates in fp32, so its only error is the
     * final rounding of each output to bf16: 8 significant bits, round to nearest, so at most half a unit in the last
     * place, |y_bf16 − y| ≤ 2^-8·|y|; plus the fp32 accumulation's own error, below 2^-24 per term of the 49
     * (allowed: 1e-5·Σ|terms|).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 8, 12, 20, 24, 40, 48, 96})
    void bf16PatchEmbeddingIsTheExactConvolutionRoundedOnce(int embed) {
        int batch = 2, size = 32, p = 4, chans = 3, grid = size / p;
        SwinConfig config = SwinTransformerTest.TINY.toBuilder().optImgSize(size).optEmbedDim(embed)
                .optPatchNorm(false).build();
        torch.manual_seed(embed);
        Map<String, Tensor> made = new HashMap<>();
        PatchEmbed embedding = new PatchEmbed(config);
        try (PointerScope scope = new PointerScope()) {
            embedding.bindAll((name, param) -> {
                Tensor t = Tensors.keep(torch.randn(param.shape()).mul(new Scalar(0.3)).to(torch.ScalarType.BFloat16));
                made.put(name, t);
                return t;
            });
            Tensor images = torch.randn(batch, chans, size, size).to(torch.ScalarType.BFloat16);
            int[] gridOut = new int[2];
            Tensor tokens = embedding.forward(images, gridOut);
            assertThat(tokens.scalar_type().intern()).isEqualTo(torch.ScalarType.BFloat16);
            assertThat(Tensors.shape(tokens)).containsExactly(batch, (long) grid * grid, embed);

            float[] x = Tensors.toFloats(images);
            float[] w = Tensors.toFloats(made.get("proj.weight"));
            float[] b = Tensors.toFloats(made.get("proj.bias"));
            float[] got = Tensors.toFloats(tokens);
            int wrong = 0;
            String first = null;
            for (int n = 0; n < batch; n++) {
                for (int gy = 0; gy < grid; gy++) {
                    for (int gx = 0; gx < grid; gx++) {
                        for (int o = 0; o < embed; o++) {
                            double y = b[o], magnitude = Math.abs(b[o]);
                            for (int c = 0; c < chans; c++) {
                                for (int ky = 0; ky < p; ky++) {
                                    for (int kx = 0; kx < p; kx++) {
                                        double term = (double) w[((o * chans + c) * p + ky) * p + kx]
                                                * x[((n * chans + c) * size + gy * p + ky) * size + gx * p + kx];
                                        y += term;
                                        magnitude += Math.abs(term);
                                    }
                                }
                            }
                            double actual = got[(n * grid * grid + gy * grid + gx) * embed + o];
                            if (Math.abs(actual - y) > Math.scalb(Math.abs(y), -8) + 1e-5 * magnitude) {
                                if (first == null) {
                                    first = String.format("image %d patch (%d, %d) channel %d: %s, exact %s", n, gy,
                                            gx, o, actual, y);
                                }
                                wrong++;
                            }
                        }
                    }
                }
            }
            assertThat(wrong).as("outputs off by more than one bf16 rounding (of %d); first: %s",
                    batch * grid * grid * embed, first).isZero();
        } finally {
            embedding.releaseAll();
        }
    }
}
