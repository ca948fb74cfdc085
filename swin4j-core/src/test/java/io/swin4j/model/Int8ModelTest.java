package io.swin4j.model;

import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.quant.QParams;
import io.swin4j.quant.RangeMethod;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.swin4j.testing.Forward.logits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A whole model in int8: which layers, how close to fp32, and that its int8 state round-trips exactly. */
class Int8ModelTest {

    static final SwinConfig TINY = SwinTransformerTest.TINY;

    @BeforeAll
    static void natives() {
        NativeTorch.ensureLoaded();
    }


    @Test
    void theLayersOfTheIssueAreQuantizedAndTheRestStaysFp32() {
        try (SwinTransformer m = SwinTransformer.create(TINY, 1)) {
            List<String> layers = m.quantizedLayers(Quantization.dynamic());
            // 8 blocks x (qkv, proj, fc1, fc2) + 3 patch-merging reductions; no head, no patch embedding by default
            assertThat(layers).hasSize(35).contains("layers.0.blocks.0.attn.qkv", "layers.0.blocks.1.attn.proj",
                    "layers.2.blocks.1.mlp.fc1", "layers.3.blocks.1.mlp.fc2", "layers.0.downsample.reduction",
                    "layers.2.downsample.reduction").doesNotContain("head", "patch_embed.proj");
            assertThat(m.quantizedLayers(Quantization.dynamic().withHead(true).withPatchEmbed(true)))
                    .hasSize(37).contains("head", "patch_embed.proj");
        }
        SwinConfig v2 = TINY.toBuilder().optFamily(SwinConfig.Family.V2).build();
        try (SwinTransformer m = SwinTransformer.create(v2, 1)) {
            // V2's continuous position bias MLP is a position encoding: never quantized
            assertThat(m.quantizedLayers(Quantization.dynamic())).hasSize(35).noneMatch(k -> k.contains("cpb_mlp"));
        }
    }

    @Test
    void dynamicInt8TracksFp32AndReleasesTheFp32Weights() {
        try (PointerScope scope = new PointerScope(); SwinTransformer m = SwinTransformer.create(TINY, 2)) {
            Tensor x = torch.randn(4, 3, 64, 64);
            float[] fp32 = logits(m, x);
            long fp32Bytes = m.weightBytes();
            m.optPrecision(Precision.INT8);
            assertThat(m.precision()).isEqualTo(Precision.INT8);
            assertThat(m.quantization()).isEqualTo(Quantization.dynamic());
            float[] int8 = logits(m, x);
            double rel = Fixtures.relativeError(int8, fp32);
            assertThat(rel).isLessThan(0.05).isGreaterThan(1e-5); // close, and really computed in int8
            // 8-bit weights plus scales instead of 32-bit ones for the quantized layers
            assertThat(m.weightBytes()).isLessThan(fp32Bytes * 45 / 100);
            assertThatThrownBy(() -> m.train(true).forward(x)).hasMessageContaining("int8 model is for inference");
            m.train(false);
        }
    }

    @Test
    void v2AndSwinMlpRunInInt8Too() {
        for (SwinConfig.Family f : new SwinConfig.Family[] {SwinConfig.Family.V2, SwinConfig.Family.MLP}) {
            SwinConfig c = TINY.toBuilder().optFamily(f).build();
            try (PointerScope scope = new PointerScope(); SwinTransformer m = SwinTransformer.create(c, 6)) {
                // V2 starts with zero q/v biases and zero res-post-norm weights (every block the identity): give them
                // values, so that the attention branch counts and losing the biases would show
                m.parameters().asMap().forEach((k, t) -> {
                    try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
                        if (k.endsWith("q_bias") || k.endsWith("v_bias")) torch.normal_(t, 0, 1);
                        if (k.endsWith("norm1.weight") || k.endsWith("norm2.weight")) t.fill_(new org.bytedeco.pytorch.Scalar(1));
                    }
                });
                Tensor x = torch.randn(2, 3, 64, 64);
                float[] fp32 = logits(m, x);
                Quantization spec = Quantization.calibrated();
                try (Calibration cal = m.calibrate(spec)) {
                    logits(m, torch.randn(4, 3, 64, 64));
                    m.quantize(spec, cal.inputParams(RangeMethod.MINMAX, 0), Map.of());
                }
                // V2's qkv carries its (q_bias, 0, v_bias) outside the int8 product; a lost bias shows here
                assertThat(Fixtures.relativeError(logits(m, x), fp32)).as(f.toString()).isLessThan(0.08).isGreaterThan(1e-5);
            }
        }
    }

    @Test
    void backToFp32GivesTheDequantizedWeights() {
        try (PointerScope scope = new PointerScope(); SwinTransformer m = SwinTransformer.create(TINY, 3)) {
            m.optPrecision(Precision.INT8);
            SwinTransformer.Int8Layer qkv = m.int8Layers().get("layers.1.blocks.0.attn.qkv");
            m.optPrecision(Precision.FP32);
            assertThat(m.quantization()).isNull();
            HostTensor w = Tensors.toHost(m.parameters().asMap().get("layers.1.blocks.0.attn.qkv.weight"));
            long in = w.dim(1);
            for (int i = 0; i < w.data().length; i++) {
                assertThat(w.data()[i]).isEqualTo(qkv.weight().data()[i] * qkv.weightScales()[(int) (i / in)]);
            }
            assertThat(qkv.input()).isNull();
        }
    }

    @Test
    void calibratedStaticInt8RoundTripsExactlyThroughItsSavedState() {
        try (PointerScope scope = new PointerScope(); SwinTransformer m = SwinTransformer.create(TINY, 4)) {
            Tensor x = torch.randn(4, 3, 64, 64);
            float[] fp32 = logits(m, x);
            Quantization spec = Quantization.calibrated().withHead(true).withPatchEmbed(true);
            Map<String, QParams> inputs;
            try (Calibration c = m.calibrate(spec)) {
                // observing changes nothing: the patch embedding runs as a product over patches, equal to the conv
                float[] observed = logits(m, torch.randn(4, 3, 64, 64));
                assertThat(observed).hasSize(40);
                assertThat(Fixtures.relativeError(logits(m, x), fp32)).isLessThan(1e-5);
                inputs = c.inputParams(RangeMethod.MINMAX, 0);
                assertThat(c.histograms().get("patch_embed.proj").total()).isEqualTo(2L * 4 * 16 * 16 * 48);
            }
            assertThat(inputs).hasSize(37);
            m.quantize(spec, inputs, Map.of());
            float[] int8 = logits(m, x);
            assertThat(Fixtures.relativeError(int8, fp32)).isLessThan(0.08).isGreaterThan(1e-5);

            Map<String, SwinTransformer.Int8Layer> saved = m.int8Layers();
            // rebuild from what a file holds: the same weights, the saved scales and input parameters
            try (SwinTransformer fresh = SwinTransformer.create(TINY, 4)) {
                Map<String, float[]> scales = new HashMap<>();
                Map<String, QParams> ins = new HashMap<>();
                saved.forEach((k, l) -> {
                    scales.put(k, l.weightScales());
                    ins.put(k, l.input());
                });
                fresh.quantize(spec, ins, scales);
                assertThat(logits(fresh, x)).containsExactly(int8);
            }
        }
    }

    @Test
    void staticWithoutRangesIsRefused() {
        try (SwinTransformer m = SwinTransformer.create(TINY, 5)) {
            assertThatThrownBy(() -> m.quantize(Quantization.calibrated(), Map.of(), Map.of()))
                    .hasMessageContaining("static int8 needs calibrated input ranges; none for [layers.0.blocks.0.attn.qkv");
            m.optPrecision(Precision.INT8);
            assertThatThrownBy(() -> m.calibrate(Quantization.calibrated())).hasMessageContaining("calibrate an fp32 model");
        }
    }
}
