package io.swin4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.quant.QParams;
import io.swin4j.tensor.HostTensor;
import io.swin4j.testing.Fixtures;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One int8 linear layer against PyTorch (fixtures/int8, tools/reference/make_int8_fixtures.py): the per-channel
 * weights and scales PyTorch's observer and {@code quantize_per_channel} give, and the product an exact int8 kernel
 * computes from them.
 */
class Int8LinearTest {

    static Path dir;
    static HostTensor w, b, x;

    @BeforeAll
    static void load() {
        NativeTorch.ensureLoaded();
        dir = Fixtures.root().resolve("int8");
        w = Fixtures.npy(dir.resolve("w.npy"));
        b = Fixtures.npy(dir.resolve("b.npy"));
        x = Fixtures.npy(dir.resolve("x.npy"));
    }

    @Test
    void weightsAreQuantizedPerChannelAsPyTorch() {
        try (PointerScope scope = new PointerScope();
             Int8Linear q = Int8Linear.pack(Tensors.fromHost(w), Tensors.fromHost(b), null, null)) {
            // bit-identical scales (the all-zero channel 7 floors at eps) and int8 values
            assertThat(q.weightScales()).containsExactly(Fixtures.npy(dir.resolve("w_scales.npy")).data());
            assertThat(Tensors.toFloats(q.int8Weight())).containsExactly(Fixtures.npy(dir.resolve("w_int8.npy")).data());
            assertThat(q.weightScales()[7]).isEqualTo(QParams.EPS);
        }
    }

    @Test
    void staticProductIsTheExactInt8Product() {
        JsonNode qp = Fixtures.json(dir.resolve("x_qparams.json"));
        QParams input = new QParams((float) qp.get("scale").asDouble(), qp.get("zero_point").asInt(), 0, 127);
        float[] expected = Fixtures.npy(dir.resolve("y_int8_ref.npy")).data();
        float[] fp32 = Fixtures.npy(dir.resolve("y_fp32.npy")).data();
        try (PointerScope scope = new PointerScope();
             Int8Linear q = Int8Linear.pack(Tensors.fromHost(w), Tensors.fromHost(b), null, input)) {
            Tensor y = q.forward(Tensors.fromHost(x));
            assertThat(Tensors.shape(y)).containsExactly(2, 7, 48);
            float[] got = Tensors.toFloats(y);
            // int32 accumulation is exact; only the fp32 rescale rounds
            assertThat(Fixtures.maxAbsError(got, expected)).isLessThan(2e-5);
            // and it is int8, not fp32: the quantization error is orders of magnitude above the tolerance
            assertThat(Fixtures.maxAbsError(expected, fp32)).isGreaterThan(1e-2);
        }
    }

    @Test
    void dynamicProductMeasuresTheRangeOfEachCall() {
        float[] expected = Fixtures.npy(dir.resolve("y_int8_ref.npy")).data();
        float[] fp32 = Fixtures.npy(dir.resolve("y_fp32.npy")).data();
        try (PointerScope scope = new PointerScope();
             Int8Linear q = Int8Linear.pack(Tensors.fromHost(w), Tensors.fromHost(b), null, null)) {
            float[] got = Tensors.toFloats(q.forward(Tensors.fromHost(x)));
            // FBGEMM chooses the same reduced-range parameters as PyTorch's MinMaxObserver for this input
            assertThat(Fixtures.maxAbsError(got, expected)).isLessThan(2e-5);
            assertThat(Fixtures.maxAbsError(got, fp32)).isGreaterThan(1e-2);
            // on an input of 1/10 the range, the dynamic layer rescales (a static one would lose 3 bits)
            float[] small = Tensors.toFloats(q.forward(Tensors.fromHost(x).div(new org.bytedeco.pytorch.Scalar(10))));
            float[] smallFp32 = Tensors.toFloats(org.bytedeco.pytorch.global.torch.linear(
                    Tensors.fromHost(x).div(new org.bytedeco.pytorch.Scalar(10)), Tensors.fromHost(w),
                    new org.bytedeco.pytorch.TensorOptional(Tensors.fromHost(b))));
            assertThat(Fixtures.maxAbsError(small, smallFp32)).isLessThan(Fixtures.maxAbsError(got, fp32) / 5);
        }
    }

    @Test
    void nonContiguousInputsGiveTheContiguousResultAndWrongWidthsAreRefused() {
        try (PointerScope scope = new PointerScope();
             Int8Linear q = Int8Linear.pack(Tensors.fromHost(w), Tensors.fromHost(b), null, null)) {
            Tensor x2 = Tensors.fromHost(x); // (2, 7, 40)
            Tensor strided = x2.transpose(0, 1).contiguous().transpose(0, 1); // same values, other strides
            assertThat(strided.is_contiguous()).isFalse();
            assertThat(Tensors.toFloats(q.forward(strided))).containsExactly(Tensors.toFloats(q.forward(x2)));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> q.forward(Tensors.fromFloats(new float[6], 2, 3)))
                    .hasMessageContaining("int8 linear expects 40 input features, got 3");
        }
    }

    @Test
    void givenScalesAreKeptAndDequantizationIsInt8TimesScale() {
        float[] scales = Fixtures.npy(dir.resolve("w_scales.npy")).data();
        float[] int8 = Fixtures.npy(dir.resolve("w_int8.npy")).data();
        float[] twice = scales.clone();
        for (int i = 0; i < twice.length; i++) twice[i] *= 2;
        try (PointerScope scope = new PointerScope();
             Int8Linear q = Int8Linear.pack(Tensors.fromHost(w), Tensors.fromHost(b), twice, null)) {
            assertThat(q.weightScales()).containsExactly(twice);
            float[] deq = Tensors.toFloats(q.dequantizedWeight());
            float[] qi = Tensors.toFloats(q.int8Weight());
            for (int i = 0; i < deq.length; i++) {
                int row = i / 40;
                assertThat(deq[i]).isEqualTo(qi[i] * twice[row]);
                // doubling the scale halves the int8 values (round half to even of the original ones / 2)
                assertThat(qi[i]).isEqualTo((float) Math.rint(w.data()[i] / twice[row]));
            }
            assertThat(int8).isNotEqualTo(qi);
        }
    }
}
